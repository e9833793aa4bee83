import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { withStatementCache } from './statement-cache.js';

describe('withStatementCache', () => {
  it('prepares each distinct SQL text once and keeps working across schema changes', () => {
    const raw = new BetterSqlite3(':memory:');
    const db = withStatementCache(raw, 2);
    db.prepare('create table t (a integer)').run([]);
    const insert = db.prepare('insert into t (a) values (?)');
    expect(db.prepare('insert into t (a) values (?)')).toBe(insert);
    insert.run([1]);
    const select = db.prepare('select * from t');
    expect(select.all([])).toEqual([{ a: 1 }]);
    db.prepare('alter table t add column b text').run([]);
    insert.run([2]);
    expect(db.prepare('select * from t').all([])).toEqual([
      { a: 1, b: null },
      { a: 2, b: null },
    ]);
    db.close();
  });

  it('keeps only the most recent statements', () => {
    const raw = new BetterSqlite3(':memory:');
    const db = withStatementCache(raw, 1);
    const one = db.prepare('select 1');
    db.prepare('select 2');
    expect(db.prepare('select 1')).not.toBe(one);
    db.close();
  });
});
