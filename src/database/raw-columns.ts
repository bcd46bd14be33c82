import {
  FindOperator,
  type DataSource,
  type EntityManager,
  type EntityTarget,
  type FindOptionsWhere,
  type ObjectLiteral,
} from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import type { EntityMetadata } from 'typeorm/metadata/EntityMetadata';

/** A condition or assignment list in SQL, with its parameters in order. */
export interface Sql {
  sql: string;
  parameters: unknown[];
}

/** The comparisons `where` says in SQL, by TypeORM's operator names. */
const COMPARISONS: Record<string, string> = {
  lessThan: '<',
  lessThanOrEqual: '<=',
  moreThan: '>',
  moreThanOrEqual: '>=',
};

/**
 * Some of an entity's columns for hand-written SQL on a sync's hot
 * statements: names quoted as the engine quotes them, and values converted
 * both ways exactly as TypeORM converts them (its driver's own functions), so
 * a row written or read here is the row the entity's repository would write
 * or read. TypeORM's query building and entity mapping cost about three times
 * the query itself (a plain find of a few rows: ~0.5 against ~0.15 ms CPU).
 */
export class RawColumns<T extends ObjectLiteral, K extends keyof T & string> {
  readonly table: string;
  /** The columns' quoted database names, in the order given. */
  readonly names: readonly string[];
  private readonly columns: readonly ColumnMetadata[];
  private readonly meta: EntityMetadata;
  /** Each property's place in `columns`. */
  private readonly index = new Map<string, number>();

  /** Every column the entity maps. */
  static all<T extends ObjectLiteral>(
    dataSource: DataSource,
    entity: EntityTarget<T>,
  ): RawColumns<T, keyof T & string> {
    const properties = dataSource
      .getMetadata(entity)
      .columns.map((column) => column.propertyName as keyof T & string);
    return new RawColumns(dataSource, entity, properties);
  }

  constructor(
    private readonly dataSource: DataSource,
    entity: EntityTarget<T>,
    readonly properties: readonly K[],
  ) {
    const meta = dataSource.getMetadata(entity);
    this.meta = meta;
    properties.forEach((property, i) => this.index.set(property, i));
    this.columns = properties.map((property) => {
      const column = meta.findColumnWithPropertyName(property);
      if (!column) throw new Error(`${meta.tableName} has no column for ${property}`);
      // Hand-written SQL would silently skip what TypeORM adds on its own.
      if (column.transformer || column.isUpdateDate || column.isVersion)
        throw new Error(
          `${meta.tableName}.${column.databaseName} has a transformer or is kept by TypeORM itself; RawColumns cannot write it`,
        );
      return column;
    });
    const escape = (name: string): string => dataSource.driver.escape(name);
    this.table = escape(meta.tableName);
    this.names = this.columns.map((column) => escape(column.databaseName));
  }

  /** `name AS property, ...`: rows come back keyed by property. */
  get selection(): string {
    return this.columns
      .map(
        (column, i) => `${this.names[i]} AS ${this.dataSource.driver.escape(column.propertyName)}`,
      )
      .join(', ');
  }

  /** A row read with {@link selection}, as the entity's repository would hydrate it. */
  hydrate(row: Record<string, unknown>): Pick<T, K> {
    const driver = this.dataSource.driver;
    const out: Record<string, unknown> = {};
    for (const column of this.columns)
      out[column.propertyName] = driver.prepareHydratedValue(row[column.propertyName], column);
    return out as Pick<T, K>;
  }

  /** A row read with {@link selection} (every column), as the entity the repository's find returns. */
  entity(row: Record<string, unknown>): T {
    // TypeORM's own hydration makes the instance without calling the constructor.
    return Object.assign(
      this.meta.create(undefined, { fromDeserializer: true }) as T,
      this.hydrate(row),
    );
  }

  /** The property's quoted column name. */
  name(property: K): string {
    return this.names[this.at(property)];
  }

  /** A value of the property as the repository would send it. */
  value(property: K, value: unknown): unknown {
    return this.dataSource.driver.preparePersistentValue(value, this.columns[this.at(property)]);
  }

  /**
   * A find's conditions (`name IS NULL AND name >= ? ...`) and their
   * parameters, for plain values, IsNull, Not (of IsNull or a value), In and the
   * comparisons; any other operator is refused rather than said otherwise.
   */
  where(find: FindOptionsWhere<Pick<T, K>>): Sql {
    const sql: string[] = [];
    const parameters: unknown[] = [];
    for (const [property, condition] of Object.entries(find)) {
      if (condition === undefined) continue;
      const name = this.name(property as K);
      if (!(condition instanceof FindOperator)) {
        if (condition === null) throw new Error(`${property}: say IsNull() for a null`);
        sql.push(`${name} = ?`);
        parameters.push(this.value(property as K, condition));
        continue;
      }
      const operator = condition as FindOperator<unknown>;
      if (operator.type === 'isNull') sql.push(`${name} IS NULL`);
      else if (operator.type === 'not' && operator.child?.type === 'isNull')
        sql.push(`${name} IS NOT NULL`);
      else if (operator.type === 'not' && operator.child === undefined) {
        // As TypeORM says it: a NULL column matches neither the value nor this.
        sql.push(`NOT(${name} = ?)`);
        parameters.push(this.value(property as K, operator.value));
      } else if (operator.type === 'in') {
        const values = operator.value as unknown[];
        // TypeORM says an empty In as a condition that holds for no row.
        sql.push(
          values.length === 0 ? '0 = 1' : `${name} IN (${values.map(() => '?').join(', ')})`,
        );
        for (const value of values) parameters.push(this.value(property as K, value));
      } else if (operator.type in COMPARISONS && operator.child === undefined) {
        sql.push(`${name} ${COMPARISONS[operator.type]} ?`);
        parameters.push(this.value(property as K, operator.value));
      } else throw new Error(`${property}: RawColumns cannot say ${operator.type} in SQL`);
    }
    return { sql: sql.length === 0 ? '1 = 1' : sql.join(' AND '), parameters };
  }

  private at(property: K): number {
    const i = this.index.get(property);
    if (i === undefined)
      throw new Error(`${this.meta.tableName}: ${property} is not among these columns`);
    return i;
  }

  /**
   * `name = ?, ...` and its parameters for the properties set in `values`
   * (undefined ones are skipped, as TypeORM's update skips them).
   */
  assignments(values: Partial<Pick<T, K>>): Sql {
    const driver = this.dataSource.driver;
    const sql: string[] = [];
    const parameters: unknown[] = [];
    this.columns.forEach((column, i) => {
      const value = values[column.propertyName as K];
      if (value === undefined) return;
      sql.push(`${this.names[i]} = ?`);
      parameters.push(driver.preparePersistentValue(value, column));
    });
    return { sql: sql.join(', '), parameters };
  }

  /** The entity's values in the columns' order, as the repository would send them. */
  parameters(entity: Pick<T, K>, into: unknown[] = []): unknown[] {
    const driver = this.dataSource.driver;
    for (const column of this.columns)
      into.push(driver.preparePersistentValue(entity[column.propertyName as K], column));
    return into;
  }
}

/**
 * Runs a hand-written write and returns how many rows it matched, as
 * TypeORM's update and delete report `affected` (MySQL's found rows, SQLite's
 * changes): in the manager's transaction, or on a connection of its own.
 */
export async function rowsChanged(
  manager: EntityManager,
  sql: string,
  parameters: readonly unknown[],
): Promise<number> {
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  try {
    const result = await runner.query(sql, [...parameters], true);
    return result.affected ?? 0;
  } finally {
    if (runner !== manager.queryRunner) await runner.release();
  }
}
