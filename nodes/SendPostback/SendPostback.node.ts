import {
	type IDataObject,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	NodeConnectionTypes,
	NodeOperationError,
	sleep,
} from 'n8n-workflow';
import {
	type EmptyParameters,
	type PartnerMethod,
	type PartnerPostbackResult,
	type PartnerRequest,
	type PartnerResponse,
	type PartnerSendDependencies,
	type PostbackItem,
	PartnerPostbackError,
	postbackToPartner,
	withoutBraces,
} from '../../src/partners';
import type { TrackingStore } from '../../src/store';
import { n8nEngineSend } from '../shared/http';
import { type ItemDelivery, postbackStoreTest, recordDeliveries, storeFor } from '../shared/store';
import { sendPostbackProperties } from './description';
import { optionLabel } from '../shared/expression';
import { credentialShownFor } from '../shared/credential-display';
import { errorItem, failedItemRoute } from '../shared/on-error';

interface NodeOptions {
	emptyParameters?: EmptyParameters | 'preset';
	target?: string;
	timeout?: number;
}

/** The Values rows as macro name → value (rows without a name are ignored; a later row wins). */
function valuesFrom(rows: Array<{ name?: string; value?: unknown }>): Record<string, unknown> {
	const values: Record<string, unknown> = {};
	for (const row of rows) {
		const name = withoutBraces(String(row.name ?? '').trim());
		if (name) values[name] = row.value;
	}
	return values;
}

/** n8n's HTTP helper (axios, honouring the operator's proxy) as the engine's `send`: every answer resolves, whatever its status. */
function n8nPartnerDependencies(context: IExecuteFunctions, timeout: number): PartnerSendDependencies {
	const send = n8nEngineSend(context, { json: false, timeout });
	return {
		sleep: async (ms) => await sleep(ms),
		send: async (request: PartnerRequest): Promise<PartnerResponse> => (await send(request)) as PartnerResponse,
	};
}

/** The `postback` field of an output item. */
function postbackField(preset: string, result: PartnerPostbackResult): IDataObject {
	const field: IDataObject = {
		status: result.status,
		preset,
		method: result.method,
		url: result.url,
		attempts: result.attempts,
		emptyMacros: result.emptyMacros,
	};
	if (result.httpStatus !== undefined) field.httpStatus = result.httpStatus;
	if (result.responseExcerpt !== undefined) field.responseExcerpt = result.responseExcerpt;
	if (result.body !== undefined) field.body = result.body;
	if (result.omittedParameters.length > 0) field.omittedParameters = result.omittedParameters;
	if (result.reason !== undefined) field.reason = result.reason;
	if (result.retryable !== undefined) field.retryable = result.retryable;
	if (result.dedup) field.dedup = result.dedup as unknown as IDataObject;
	return field;
}

export class SendPostback implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Send Postback',
		name: 'sendPostback',
		icon: { light: 'file:sendPostback.svg', dark: 'file:sendPostback.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: `={{${optionLabel(sendPostbackProperties, 'preset')} + " · " + ${optionLabel(sendPostbackProperties, 'method')}}}`,
		description:
			'Fires a server-to-server postback to a partner URL (Aspire/TUNE, Post Affiliate Pro, Everflow, Voluum, Keitaro, custom) with macros filled from the conversion',
		defaults: { name: 'Send Postback' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'postbackStorePostgresApi',
				required: true,
				testedBy: 'postbackStoreTest',
				// The store is shown while dedup or the conversion log is on (see description.ts).
				displayOptions: credentialShownFor({ store: ['postgres'] }),
			},
		],
		usableAsTool: true,
		properties: sendPostbackProperties,
	};

	methods = { credentialTest: { postbackStoreTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const output: INodeExecutionData[] = [];
		// One store per process (storeFor keeps it open across executions); looked up once per execution.
		let store: TrackingStore | undefined;
		const deliveries: ItemDelivery[] = [];

		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			const preset = this.getNodeParameter('preset', itemIndex, 'custom') as string;
			try {
				const options = this.getNodeParameter('options', itemIndex, {}) as NodeOptions;
				const retries = Math.max(0, Math.floor(Number(this.getNodeParameter('retries', itemIndex, 3)) || 0));
				const dedup = this.getNodeParameter('dedup', itemIndex, true) as boolean;
				if (dedup) store ??= await storeFor(this, 0);
				const emptyParameters = options.emptyParameters && options.emptyParameters !== 'preset' ? options.emptyParameters : undefined;
				const result = await postbackToPartner(preset, items[itemIndex].json as PostbackItem, n8nPartnerDependencies(this, options.timeout || 30_000), {
					template: String(this.getNodeParameter('urlTemplate', itemIndex, '')),
					method: this.getNodeParameter('method', itemIndex, 'GET') as PartnerMethod,
					values: valuesFrom((this.getNodeParameter('values.value', itemIndex, []) as Array<{ name?: string; value?: unknown }>) ?? []),
					...(emptyParameters ? { emptyParameters } : {}),
					retry: { maxAttempts: retries + 1 },
					...(dedup && store ? { dedup: { store, ...(options.target?.trim() ? { target: options.target.trim() } : {}) } } : {}),
				});
				const item: INodeExecutionData = { json: { ...items[itemIndex].json, postback: postbackField(preset, result) }, pairedItem: { item: itemIndex } };
				output.push(item);
				deliveries.push({
					item,
					delivery: {
						destination: `postback:${options.target?.trim() || preset}`,
						outcome: result.status,
						...(result.httpStatus !== undefined ? { httpStatus: result.httpStatus } : {}),
						...(result.reason !== undefined ? { reason: result.reason } : {}),
					},
				});
			} catch (error) {
				const message = (error as Error).message;
				const route = failedItemRoute(this);
				if (route !== 'stop') {
					const code = error instanceof PartnerPostbackError ? error.code : 'error';
					const item: INodeExecutionData = {
						json: { ...items[itemIndex].json, error: message, postback: { status: 'failed', preset, code, reason: message } },
						pairedItem: { item: itemIndex },
					};
					// With the Error output, an item carrying the conversion's fields would stay on Success (n8n
					// moves JSON-only error items): the Error output gets the error, n8n adds the input's fields.
					output.push(route === 'errorOutput' ? errorItem(message, itemIndex, { postback: { status: 'failed', preset, code } }) : item);
					deliveries.push({ item, delivery: { destination: `postback:${targetOf(this, itemIndex, preset)}`, outcome: 'failed', code, reason: message } });
					continue;
				}
				// A NodeOperationError passes through unchanged (with its itemIndex); anything else is wrapped.
				throw new NodeOperationError(this.getNode(), error as Error, {
					itemIndex,
					...(error instanceof PartnerPostbackError ? { description: 'Check the URL template, the Values and the item (Send Postback node).' } : {}),
				});
			}
		}
		await recordDeliveries(this, deliveries);
		return [output];
	}
}

/** The partner's name in the conversion log: the Target ID option, else the preset (as in the dedup key). */
function targetOf(context: IExecuteFunctions, itemIndex: number, preset: string): string {
	try {
		return (context.getNodeParameter('options', itemIndex, {}) as NodeOptions).target?.trim() || preset;
	} catch {
		return preset;
	}
}
