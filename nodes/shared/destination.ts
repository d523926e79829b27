import { type IDataObject, type IExecuteFunctions, type IHttpRequestOptions, type INodeExecutionData, sleep } from 'n8n-workflow';
import type { EventResult, PlatformRequest, PlatformResponse, SendDependencies } from '../../src/destinations';

/**
 * The side effects a destination node hands to src/destinations/send.ts: n8n's HTTP helper (axios,
 * honouring the operator's proxy; credentials are already inside the built request) and n8n's `sleep`.
 */
export function n8nSendDependencies(context: IExecuteFunctions): SendDependencies {
	return {
		sleep: async (ms) => await sleep(ms),
		send: async (request: PlatformRequest): Promise<PlatformResponse> => {
			const options: IHttpRequestOptions = {
				method: request.method,
				url: request.url,
				headers: request.headers,
				body: request.body as IDataObject,
				json: true,
				returnFullResponse: true,
				ignoreHttpStatusErrors: true,
				timeout: 30_000,
			};
			const response = (await context.helpers.httpRequest(options)) as { statusCode: number; headers: Record<string, string>; body: unknown };
			return { status: response.statusCode, headers: response.headers ?? {}, body: response.body };
		},
	};
}

/**
 * One output item per input item: the input's JSON plus `forward` (what happened at the platform), with
 * pairedItem. Sent and failed go to separate outputs so operators can alert on failures without expressions.
 */
export function resultItems(
	platform: string,
	items: INodeExecutionData[],
	inputIndexes: number[],
	results: EventResult[],
): { sent: INodeExecutionData[]; failed: INodeExecutionData[] } {
	const sent: INodeExecutionData[] = [];
	const failed: INodeExecutionData[] = [];
	results.forEach((result, position) => {
		const itemIndex = inputIndexes[position];
		const forward: IDataObject = { platform, outcome: result.outcome };
		if (result.eventId) forward.eventId = result.eventId;
		if (result.code) forward.code = result.code;
		if (result.reason) forward.reason = result.reason;
		if (result.retryAt) forward.retryAt = result.retryAt;
		const item: INodeExecutionData = { json: { ...items[itemIndex].json, forward }, pairedItem: { item: itemIndex } };
		(result.outcome === 'sent' ? sent : failed).push(item);
	});
	return { sent, failed };
}

/**
 * The item continue-on-fail produces when an item cannot even be planned (bad settings, not a conversion)
 * or its batch could not be sent: the same `forward` shape as a platform failure, so `$json.forward.outcome`
 * works on every Failed item.
 */
export function failedItem(platform: string, items: INodeExecutionData[], itemIndex: number, code: string, reason: string): INodeExecutionData {
	return { json: { ...items[itemIndex].json, forward: { platform, outcome: 'failed', code, reason } }, pairedItem: { item: itemIndex } };
}
