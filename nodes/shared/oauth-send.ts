import { type IDataObject, type IExecuteFunctions, type IHttpRequestOptions, type JsonObject, NodeApiError } from 'n8n-workflow';
import type { PlatformRequest, PlatformResponse, SendDependencies } from '../../src/destinations';
import { n8nSendDependencies } from './destination';

interface RequestFailure {
	httpCode?: string | null;
	code?: string;
	message?: string;
	isAxiosError?: boolean;
	response?: { status?: number; data?: unknown };
	context?: { data?: unknown };
	cause?: RequestFailure;
}

/**
 * What a thrown request error means for the destination: the platform's answer (a 401 that survived the token
 * refresh), a synthetic 401 when n8n could not get a token at all (not connected, refresh refused), or
 * undefined for a network failure (no answer: the sender retries).
 */
function answerFromError(error: unknown, platformName: string): PlatformResponse | undefined {
	const failure = (error ?? {}) as RequestFailure;
	const chain = [failure, failure.cause, failure.cause?.cause].filter((entry): entry is RequestFailure => Boolean(entry));
	const status = chain.map((entry) => Number(entry.response?.status ?? entry.httpCode)).find((code) => Number.isInteger(code) && code >= 400 && code < 600);
	if (status !== undefined) {
		const body = chain.find((entry) => entry.response?.data !== undefined)?.response?.data ?? failure.context?.data ?? failure.message;
		return { status, headers: {}, body };
	}
	const network = chain.some((entry) => (entry.isAxiosError && !entry.response) || /^E[A-Z_]+$/.test(entry.code ?? ''));
	if (network) return undefined;
	return { status: 401, headers: {}, body: `Could not get a ${platformName} access token: ${failure.cause?.message ?? failure.message ?? 'unknown error'}` };
}

/**
 * The shared sender's side effects for a platform whose credential extends n8n's OAuth2 (Google Ads), sending
 * through n8n's OAuth2 helper: it adds the bearer token and refreshes it when the platform answers 401 (the
 * built request carries no Authorization header: the config's accessToken is left empty). Only 401 is raised as an error, so the helper can refresh; every other status
 * comes back as an answer for the destination to read.
 */
export function oauthSendDependencies(context: IExecuteFunctions, credentialName: string, platformName: string): SendDependencies {
	return {
		sleep: n8nSendDependencies(context).sleep,
		send: async (request: PlatformRequest): Promise<PlatformResponse> => {
			const options: IHttpRequestOptions = {
				method: request.method,
				url: request.url,
				headers: request.headers,
				body: request.body as IDataObject,
				json: true,
				returnFullResponse: true,
				ignoreHttpStatusErrors: { ignore: true, except: [401] },
				timeout: 30_000,
			};
			try {
				const response = (await context.helpers.httpRequestWithAuthentication.call(context, credentialName, options)) as {
					statusCode: number;
					headers?: Record<string, string>;
					body: unknown;
				};
				return { status: response.statusCode, headers: response.headers ?? {}, body: response.body };
			} catch (error) {
				const answer = answerFromError(error, platformName);
				if (answer) return answer;
				// No answer at all (network): the sender retries it.
				throw new NodeApiError(context.getNode(), error as JsonObject);
			}
		},
	};
}
