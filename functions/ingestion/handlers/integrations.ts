import { forbidden, notFound } from '../../shared/errors.ts';
import { byRoute, httpHandler } from '../../shared/http/handler.ts';
import type { Principal } from '../../shared/http/principal.ts';
import { newId } from '../../shared/store/audit.ts';
import { claimIdempotencyKey, commitIdempotently } from '../../shared/store/idempotency.ts';
import { TransactionRefused, transactWrite } from '../../shared/store/transaction.ts';
import { createIntegrationBody, pageQuery } from '../schemas/ingestion.ts';
import {
  createIntegrationItems,
  findIntegration,
  generateRoutingKey,
  type Integration,
  listIntegrations,
  REVOKED_KEY_ITEM,
  revokeIntegrationItems,
  SERVICE_CHECK,
} from '../store/integration-store.ts';

/** Keys are part of their service's directory record: admins only, refused in the directory's words. */
function requireAdmin(principal: Principal): void {
  if (!principal.isAdmin) throw forbidden('Only admins can change the directory');
}

/**
 * A service's integration keys (admins only: a key lets its holder open incidents). Revoking keeps
 * the record, so who created and revoked which key stays on file.
 */
export const handler = httpHandler(
  byRoute({
    'GET /services/{name}/integrations': async (request) => {
      requireAdmin(request.principal);
      const { limit, cursor } = request.query(pageQuery);
      return { status: 200, body: await listIntegrations(request.pathParam('name'), limit, cursor) };
    },

    'POST /services/{name}/integrations': async (request) => {
      requireAdmin(request.principal);
      const input = request.body(createIntegrationBody);
      const service = request.pathParam('name');
      const claim = claimIdempotencyKey(request, input);
      const routingKey = generateRoutingKey();
      const now = new Date().toISOString();
      const integration: Integration = {
        id: newId(),
        service,
        name: input.name,
        keyHint: routingKey.slice(-4),
        rateLimitPerMinute: input.rateLimitPerMinute,
        createdAt: now,
        createdBy: request.principal.userId,
      };
      const items = createIntegrationItems(routingKey, integration, {
        at: now,
        actor: request.principal.userId,
        action: 'updated',
        version: 0,
        changes: [{ field: `integrations.${integration.id}`, from: null, to: { name: integration.name, keyHint: integration.keyHint } }],
      });
      try {
        const headers = { location: `/services/${service}/integrations/${integration.id}`, 'cache-control': 'no-store' };
        // The key is stored only as a hash, so a replay cannot repeat it: it answers without it.
        return await commitIdempotently(items, claim, { status: 201, body: { ...integration, routingKey }, headers }, new Date(now), {
          status: 201,
          body: integration,
          headers,
        });
      } catch (error) {
        if (error instanceof TransactionRefused && error.has(SERVICE_CHECK)) throw notFound(`Service ${service}`);
        throw error;
      }
    },

    'DELETE /services/{name}/integrations/{key}': async (request) => {
      requireAdmin(request.principal);
      const service = request.pathParam('name');
      const id = request.pathParam('key');
      const integration = await findIntegration(service, id);
      if (integration === undefined) throw notFound(`Integration ${id} of service ${service}`);
      if (integration.revoked) return { status: 204 };
      try {
        await transactWrite(revokeIntegrationItems(integration, request.principal.userId, new Date().toISOString()));
      } catch (error) {
        // Revoked meanwhile by someone else: the outcome the caller wanted.
        if (error instanceof TransactionRefused && error.has(REVOKED_KEY_ITEM)) return { status: 204 };
        throw error;
      }
      return { status: 204 };
    },
  }),
);
