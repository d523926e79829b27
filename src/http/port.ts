/**
 * The one HTTP port of the engine. Destinations, partner postbacks and payout providers build requests of this
 * shape and are handed a `send` (nodes pass n8n's HTTP helper, tests a fake or a real client), so nothing in the
 * engine opens a connection itself.
 */
export interface HttpRequest {
	method: 'GET' | 'POST';
	url: string;
	headers: Record<string, string>;
	/** Text, or for JSON APIs an object the sender serializes. */
	body?: unknown;
}

export interface HttpResponse {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	/** Parsed JSON when the answer is JSON, else the text. */
	body: unknown;
}

/**
 * Sends one request and resolves with the answer, whatever its status. Rejects only when no answer arrived
 * (network error, timeout): the outcome is then unknown, and the caller's retry loop treats it as transient.
 */
export type HttpSend<R extends HttpRequest = HttpRequest> = (request: R) => Promise<HttpResponse>;

/** A header's value, whatever the case of its name. */
export function headerValue(headers: HttpResponse['headers'] | undefined, name: string): string | string[] | undefined {
	const wanted = name.toLowerCase();
	return Object.entries(headers ?? {}).find(([key]) => key.toLowerCase() === wanted)?.[1];
}
