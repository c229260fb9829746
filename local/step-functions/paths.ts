import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { runtimeError } from './errors.ts';
import type { Json, JsonObject } from './json.ts';

/** A JSONPath (`$.a.b`, `$$.Execution.Input.x`) evaluated as the library does, through a Pass state. */
export async function evaluatePath(path: string, input: Json, context: JsonObject): Promise<unknown> {
  const machine = new StateMachine(
    { StartAt: 'Path', States: { Path: { Type: 'Pass', Parameters: { 'value.$': path }, End: true } } } as StateMachineDefinition,
    {
      validationOptions: { noValidate: true },
    },
  );
  try {
    const result = (await machine.run(input, { context: context as never }).result) as { value: unknown };
    return result.value;
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause;
    throw runtimeError(cause?.message ?? `path ${path} could not be evaluated`);
  }
}
