import type { IDataObject, IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import type { HttpRequest, HttpResponse, HttpSend } from '../../src/http/port';

/** A request as the engine builds it (src/destinations, src/partners, src/payouts): the engine's HTTP port. */
export type EngineHttpRequest = HttpRequest;
export type EngineHttpResponse = HttpResponse;

export interface EngineHttpOptions {
	/** true: the body is an object sent as JSON and the answer is parsed JSON; false: the body is already text. */
	json: boolean;
	timeout: number;
	/** With `json: false`: read a JSON answer into a value (text otherwise). */
	parseJsonAnswer?: boolean;
}

/**
 * n8n's HTTP helper (axios, honouring the operator's proxy) as the engine's `send`, the one adapter every
 * node uses: every answer resolves, whatever its status (the engine reads and classifies it); only a request
 * that got no answer at all (network error, timeout) rejects.
 */
export function n8nEngineSend(context: IExecuteFunctions, options: EngineHttpOptions): HttpSend {
	return async (request) => {
		const httpOptions: IHttpRequestOptions = {
			method: request.method,
			url: request.url,
			headers: request.headers,
			...(request.body !== undefined ? { body: request.body as IDataObject | string } : {}),
			json: options.json,
			...(options.json ? {} : { encoding: 'text' as const }),
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: options.timeout,
		};
		const response = (await context.helpers.httpRequest(httpOptions)) as { statusCode: number; headers: Record<string, string>; body: unknown };
		let body = response.body;
		if (Buffer.isBuffer(body)) body = body.toString('utf8');
		if (options.parseJsonAnswer && typeof body === 'string' && body.trim() !== '') {
			try {
				body = JSON.parse(body) as unknown;
			} catch {
				// not JSON: the engine reads the text
			}
		}
		return { status: response.statusCode, headers: response.headers ?? {}, body };
	};
}
