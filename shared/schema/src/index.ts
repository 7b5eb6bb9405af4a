/** @comanda/schema: the one definition of tables, shapes, mutations, error codes and shared types. Pure: no I/O. */
export * from './api.ts';
export * from './demo.ts';
export * from './errors.ts';
export * from './migrations/index.ts';
export * from './mutations.ts';
export * from './roles.ts';
export * from './shapes.ts';
export * from './status.ts';
