/**
 * Keeps text holding a NUL character out of every query, on both engines.
 * PostgreSQL cannot store or even compare such text (`invalid byte sequence
 * for encoding "UTF8": 0x00`) and would turn a client's `?username=%00` into
 * a 500; SQLite would store it. Refusing it here, once, gives both engines
 * the same answer: the client's malformed input, a ValidationError (400).
 */
import {
  OperationNodeTransformer,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type PrimitiveValueListNode,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from 'kysely';
import { ValidationError } from '../lib/errors.js';

/** The answer to a query parameter holding a NUL character. */
export class NulCharacterError extends ValidationError {
  constructor() {
    super('params', 'params may not contain a NUL character');
  }
}

class NulCheck extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    check(node.value);
    return super.transformValue(node);
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    node.values.forEach(check);
    return super.transformPrimitiveValueList(node);
  }
}

function check(value: unknown): void {
  if (typeof value === 'string' && value.includes('\0')) throw new NulCharacterError();
}

/**
 * The Kysely plugin: a query with a string parameter holding `\0` rejects
 * with NulCharacterError before it reaches the database.
 */
export class NulGuardPlugin implements KyselyPlugin {
  readonly #check = new NulCheck();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#check.transformNode(args.node);
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}
