import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { INestApplicationContext } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';

export interface Route {
  method: string;
  path: string;
}

const join = (...parts: string[]): string =>
  `/${parts
    .flatMap((p) => p.split('/'))
    .filter(Boolean)
    .join('/')}`;

/** Every HTTP route the application serves, read from the controllers' own metadata. */
export function listRoutes(app: INestApplicationContext): Route[] {
  const routes: Route[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as { prototype: object } | null;
      if (!controller) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        // Read descriptors, not values: calling a getter on a prototype would throw.
        const handler = Object.getOwnPropertyDescriptor(controller.prototype, name)
          ?.value as unknown;
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const path = Reflect.getMetadata(PATH_METADATA, handler as object) as
          string | string[] | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler as object) as
          RequestMethod | undefined;
        if (path === undefined || method === undefined) continue;
        for (const p of ([] as string[]).concat(path)) {
          routes.push({ method: RequestMethod[method], path: join(base, p) });
        }
      }
    }
  }
  return routes.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}
