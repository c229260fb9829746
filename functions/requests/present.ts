import { withoutKeys } from '../shared/store/db.ts';
import { REQUEST_FIELD_ORDER } from './domain/field-order.ts';
import type { ServiceRequest } from './domain/request.ts';

/** The request as the API shows it: every field, in the documented order (REQUEST_FIELD_ORDER). */
export const presentRequest = (request: ServiceRequest): Record<string, unknown> => withoutKeys<Record<string, unknown>>(request, REQUEST_FIELD_ORDER);
