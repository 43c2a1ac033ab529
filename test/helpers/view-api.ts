import type { ViewApi, ViewApiError, ViewApiName } from "../../src/view/api-types.js";

/**
 * GET /api/<name>?<query> from a running viewer, typed by the API's response types (the ones the
 * server's handlers and the web client share), so a test that reads a field the API does not
 * answer fails to compile. A status other than 200 throws with the server's answer.
 */
export async function getApi<N extends ViewApiName>(
  baseUrl: string,
  name: N,
  query = "",
): Promise<ViewApi[N]> {
  const res = await fetch(`${baseUrl}api/${name}${query ? `?${query}` : ""}`);
  if (!res.ok) throw new Error(`GET /api/${name}?${query}: HTTP ${res.status}: ${await res.text()}`);
  return (await res.json()) as ViewApi[N];
}

/** The error message of a 4xx / 5xx answer (every endpoint answers `{ error }`). */
export async function apiError(res: Response): Promise<string> {
  return ((await res.json()) as ViewApiError).error;
}
