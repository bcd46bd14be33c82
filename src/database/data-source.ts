import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadEnvironment } from '../config/environment';
import { dataSourceOptions } from './data-source-options';

/** For the TypeORM CLI (`npx typeorm -d src/database/data-source.ts ...`). */
export default new DataSource(dataSourceOptions(loadEnvironment()));
