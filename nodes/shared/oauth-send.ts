import { type IDataObject, type IExecuteFunctions, type IHttpRequestOptions, type JsonObject, NodeApiError } from 'n8n-workflow';
import type { PlatformRequest, PlatformResponse, SendDependencies } from '../../src/destinations';
import { answerFromRequestError } from '../../src/destinations/forward';
import { n8nSendDependencies } from './forward-items';

/**
 * The shared sender's side effects for a platform whose credential extends n8n's OAuth2 (Google Ads), sending
 * through n8n's OAuth2 helper: it adds the bearer token and refreshes it when the platform answers 401 (the
 * built request carries no Authorization header: the config's accessToken is left empty). Only 401 is raised as an error, so the helper can refresh; every other status
 * comes back as an answer for the destination to read.
 */
export function oauthSendDependencies(context: IExecuteFunctions, credentialName: string, platformName: string): SendDependencies {
	return {
		sleep: n8nSendDependencies(context).sleep,
		now: n8nSendDependencies(context).now,
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
				const answer = answerFromRequestError(error, platformName);
				if (answer) return answer;
				// No answer at all (network): the sender retries it.
				throw new NodeApiError(context.getNode(), error as JsonObject);
			}
		},
	};
}
