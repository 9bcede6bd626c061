// What a use case refuses, in terms the HTTP layer maps to a status and the CLI to a message.
// A client's mistake is never a 5xx: every refusal here is a 4xx.

export type ServiceErrorCode =
  | "invalid_request"
  | "invalid_inventory"
  | "invalid_catalog"
  | "invalid_procurement"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "gone";

const STATUS: Record<ServiceErrorCode, number> = {
  invalid_request: 400,
  invalid_inventory: 400,
  invalid_catalog: 400,
  invalid_procurement: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
};

export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ServiceError";
  }

  get status(): number {
    return STATUS[this.code];
  }
}
