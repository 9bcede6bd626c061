// A client's short id (tenant key in every table, URL and command): lowercase letters, digits, inner hyphens.
export const CLIENT_SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
