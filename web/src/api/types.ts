// Names for the generated contract types (`schema.d.ts` is generated from
// ../openapi.yaml by `npm run gen:api`; it is not committed, so every build
// type-checks the client against the contract as it is now).
import type { components, paths } from './schema';

type Schemas = components['schemas'];

export type User = Schemas['User'];
export type Role = Schemas['Role'];
export type TokenPair = Schemas['TokenPair'];
export type TokenUser = Schemas['TokenUser'];
export type Product = Schemas['Product'];
export type Order = Schemas['Order'];
export type OrderStatus = Schemas['OrderStatus'];
export type StatusChange = Schemas['StatusChange'];
export type Cart = Schemas['Cart'];
export type CartItem = Schemas['CartItem'];
export type Notification = Schemas['Notification'];
export type Session = Schemas['Session'];
export type AuditEvent = Schemas['AuditEvent'];
export type AuditType = Schemas['AuditType'];
export type ErrorCode = Schemas['ErrorCode'];
export type FieldError = Schemas['FieldError'];
export type ErrorEnvelope = Schemas['ErrorEnvelope'];

export type Method = 'get' | 'post' | 'put' | 'delete';

/** The paths that have an operation for `M`. */
export type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P][M] extends { responses: unknown } ? P : never;
}[keyof paths];

type Operation<P extends keyof paths, M extends Method> = paths[P][M];

type SuccessBody<O> = O extends { responses: infer R }
  ? R[Extract<keyof R, 200 | 201>] extends { content: { 'application/json': infer E } }
    ? E
    : never
  : never;

/** What `data` holds in an operation's success envelope. */
export type DataOf<P extends keyof paths, M extends Method> =
  SuccessBody<Operation<P, M>> extends { data?: infer D } ? NonNullable<D> : never;

/** The JSON request body of an operation, if it takes one. */
export type BodyOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

/** The query parameters of an operation. */
export type QueryOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** The path parameters of an operation. */
export type PathParamsOf<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { parameters: { path: infer PP } } ? PP : never;
