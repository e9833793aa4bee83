/**
 * Database outages as the services understand them. A Kysely dialect
 * wrapped here turns a driver's "cannot reach or use the database" failure
 * (a refused or dropped connection, a server shutting down, a busy or
 * read-only SQLite file) into an UnavailableError, which every surface
 * answers with 503 — not a 500 that reads as a bug, and never an admission.
 * Other failures (constraint violations, bad SQL) pass through unchanged.
 */
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import { UnavailableError } from '../lib/errors.js';

/** Recognises the errors of one engine that mean the database cannot be used now. */
export type OutageTest = (error: unknown) => boolean;

/** `dialect`, with outages reported as UnavailableError. */
export function reportingOutages(dialect: Dialect, isOutage: OutageTest): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createDriver: () => new OutageDriver(dialect.createDriver(), isOutage),
  };
}

class OutageDriver implements Driver {
  private readonly inner = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(
    private readonly driver: Driver,
    private readonly isOutage: OutageTest,
  ) {}

  init(): Promise<void> {
    return this.guard(() => this.driver.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.guard(() => this.driver.acquireConnection());
    const wrapped: DatabaseConnection = {
      executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> => this.guard(() => connection.executeQuery<R>(query)),
      streamQuery: <R>(query: CompiledQuery, chunkSize?: number) => connection.streamQuery<R>(query, chunkSize),
    };
    this.inner.set(wrapped, connection);
    return wrapped;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.guard(() => this.driver.beginTransaction(this.unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.guard(() => this.driver.commitTransaction(this.unwrap(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.guard(() => this.driver.rollbackTransaction(this.unwrap(connection)));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(this.unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.driver.destroy();
  }

  private unwrap(connection: DatabaseConnection): DatabaseConnection {
    return this.inner.get(connection) ?? connection;
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (!this.isOutage(error)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new UnavailableError(`database unavailable: ${reason}`, { cause: error });
    }
  }
}
