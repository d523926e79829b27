import {
	type IDataObject,
	type IExecuteFunctions,
	type IHttpRequestOptions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type JsonObject,
	NodeApiError,
	NodeConnectionTypes,
	NodeOperationError,
} from 'n8n-workflow';
import type { ForwardableEvent, PlatformRequest, PlatformResponse, SendDependencies } from '../../src/destinations';
import { type GoogleAdsConsent, type GoogleAdsOptions, type GoogleAdsValueSource, googleCustomerId } from '../../src/destinations/google_ads';
import { decimalFromNumber, normalizeDecimal } from '../../src/model';
import { conversionLogProperty, conversionLogStoreProperties, postbackStoreTest } from '../shared/store';
import { forwardItems, n8nSendDependencies } from '../shared/destination';
import { googleAdsConversionsProperties } from './description';
import { credentialShownFor } from '../shared/credential-display';

const CREDENTIAL = 'googleAdsConversionsOAuth2Api';

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
 * What a thrown request error means for the destination: Google's answer (a 401 that survived the token
 * refresh), a synthetic 401 when n8n could not get a token at all (not connected, refresh refused), or
 * undefined for a network failure (no answer: the sender retries).
 */
function answerFromError(error: unknown): PlatformResponse | undefined {
	const failure = (error ?? {}) as RequestFailure;
	const chain = [failure, failure.cause, failure.cause?.cause].filter((entry): entry is RequestFailure => Boolean(entry));
	const status = chain.map((entry) => Number(entry.response?.status ?? entry.httpCode)).find((code) => Number.isInteger(code) && code >= 400 && code < 600);
	if (status !== undefined) {
		const body = chain.find((entry) => entry.response?.data !== undefined)?.response?.data ?? failure.context?.data ?? failure.message;
		return { status, headers: {}, body };
	}
	const network = chain.some((entry) => (entry.isAxiosError && !entry.response) || /^E[A-Z_]+$/.test(entry.code ?? ''));
	if (network) return undefined;
	return { status: 401, headers: {}, body: `Could not get a Google access token: ${failure.cause?.message ?? failure.message ?? 'unknown error'}` };
}

/**
 * The shared sender's side effects, sending through n8n's OAuth2 helper: it adds the bearer token and
 * refreshes it when Google answers 401 (the built request carries no Authorization header: the config's
 * accessToken is left empty). Only 401 is raised as an error, so the helper can refresh; every other status
 * comes back as an answer for the destination to read.
 */
function oauthSendDependencies(context: IExecuteFunctions): SendDependencies {
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
				const response = (await context.helpers.httpRequestWithAuthentication.call(context, CREDENTIAL, options)) as {
					statusCode: number;
					headers?: Record<string, string>;
					body: unknown;
				};
				return { status: response.statusCode, headers: response.headers ?? {}, body: response.body };
			} catch (error) {
				const answer = answerFromError(error);
				if (answer) return answer;
				// No answer at all (network): the sender retries it.
				throw new NodeApiError(context.getNode(), error as JsonObject);
			}
		},
	};
}

interface EventActionRow {
	event?: string;
	conversionAction?: string;
}

interface Overrides {
	gclid?: string;
	gbraid?: string;
	wbraid?: string;
	clickedAt?: unknown;
	occurredAt?: unknown;
	value?: unknown;
	currency?: string;
	email?: string;
	phone?: string;
}

/** An expression may hand over a Luxon DateTime or a Date; the funnel's fields are ISO strings. */
function isoText(value: unknown): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	if (value instanceof Date) return value.toISOString();
	const luxon = value as { toISO?: () => string | null };
	if (typeof luxon.toISO === 'function') return luxon.toISO() ?? undefined;
	return String(value);
}

function decimalText(value: unknown): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	return typeof value === 'number' ? decimalFromNumber(value) : normalizeDecimal(String(value));
}

const looksLikeConversion = (json: IDataObject) => typeof json.eventName === 'string' && typeof json.occurredAt === 'string';
const looksLikeClick = (json: IDataObject) => typeof json.clickId === 'string' && typeof json.clickedAt === 'string';

export class GoogleAdsConversions implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Google Ads Conversions',
		name: 'googleAdsConversions',
		icon: { light: 'file:googleAdsConversions.svg', dark: 'file:googleAdsConversions.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{$parameter["validateOnly"] ? "validate only" : "upload click conversions"}}',
		description: 'Uploads conversions with their Google click ID (gclid, gbraid, wbraid) to Google Ads',
		defaults: { name: 'Google Ads Conversions' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Sent', 'Failed'],
		credentials: [
			{ name: CREDENTIAL, required: true },
			{
				name: 'postbackStorePostgresApi',
				required: true,
				testedBy: 'postbackStoreTest',
				displayOptions: credentialShownFor({ conversionLog: [true], store: ['postgres'] }),
			},
		],
		usableAsTool: true,
		properties: [...googleAdsConversionsProperties, conversionLogProperty, ...conversionLogStoreProperties()],
	};

	methods = { credentialTest: { postbackStoreTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const credentials = await this.getCredentials(CREDENTIAL);
		const readItem = (itemIndex: number): { config: GoogleAdsOptions; event: ForwardableEvent } => {
			const json = items[itemIndex].json;
			if (!looksLikeConversion(json) && !looksLikeClick(json)) {
				throw new NodeOperationError(this.getNode(), `Item ${itemIndex} is not a conversion: eventName and occurredAt are missing`, {
					itemIndex,
					description: 'Connect the Lead, Purchase or Other Event output of a Conversion Funnel (or pass items of the same shape).',
				});
			}
			const customerId = this.getNodeParameter('customerId', itemIndex, '') as string;
			const loginCustomerId = (this.getNodeParameter('loginCustomerId', itemIndex, '') as string).trim();
			googleCustomerId(customerId);
			if (loginCustomerId) googleCustomerId(loginCustomerId, 'login customer ID');
			const overrides = this.getNodeParameter('overrides', itemIndex, {}) as Overrides;
			const options = this.getNodeParameter('options', itemIndex, {}) as {
				defaultCountry?: string;
				adUserDataConsent?: string;
				adPersonalizationConsent?: string;
			};
			const rows = this.getNodeParameter('eventActions.action', itemIndex, []) as EventActionRow[];
			let valueFrom = this.getNodeParameter('valueFrom', itemIndex, 'commission') as GoogleAdsValueSource;

			const event = { ...json, user: { ...((json.user as IDataObject) ?? {}) } } as IDataObject & { click?: IDataObject; user: IDataObject };
			if (json.click && typeof json.click === 'object') event.click = { ...(json.click as IDataObject) };
			const clickOverride = { gclid: overrides.gclid, gbraid: overrides.gbraid, wbraid: overrides.wbraid, clickedAt: isoText(overrides.clickedAt) };
			for (const [field, value] of Object.entries(clickOverride)) {
				if (!value?.trim()) continue;
				event.click ??= { clickId: String(json.clickId ?? 'override'), clickedAt: '' };
				event.click[field] = value.trim();
			}
			const occurredAt = isoText(overrides.occurredAt);
			if (occurredAt) event.occurredAt = occurredAt;
			if (overrides.currency?.trim()) event.currency = overrides.currency.trim().toUpperCase();
			if (overrides.email?.trim()) event.user.email = overrides.email.trim();
			if (overrides.phone?.trim()) event.user.phone = overrides.phone.trim();
			if (overrides.value !== undefined && overrides.value !== '') {
				const value = decimalText(overrides.value);
				if (value === undefined)
					throw new NodeOperationError(this.getNode(), `The conversion value override "${String(overrides.value)}" is not a number`, { itemIndex });
				if (valueFrom === 'none') valueFrom = 'commission';
				event[valueFrom] = value;
			}

			const eventName = String(event.eventName ?? '');
			const perEvent = rows.find((row) => row.event?.trim() === eventName && row.conversionAction?.trim());
			const config: GoogleAdsOptions = {
				customerId,
				loginCustomerId: loginCustomerId || undefined,
				conversionAction: (perEvent?.conversionAction ?? (this.getNodeParameter('conversionAction', itemIndex, '') as string)).trim(),
				developerToken: String(credentials.developerToken ?? ''),
				// Left empty: n8n's OAuth2 helper adds (and refreshes) the bearer token.
				accessToken: '',
				apiVersion: String(credentials.apiVersion ?? '') || undefined,
				baseUrl: String(credentials.baseUrl ?? '') || undefined,
				validateOnly: this.getNodeParameter('validateOnly', itemIndex, false) as boolean,
				defaultCountry: options.defaultCountry?.trim() || undefined,
				valueFrom,
				adUserDataConsent: (options.adUserDataConsent || undefined) as GoogleAdsConsent | undefined,
				adPersonalizationConsent: (options.adPersonalizationConsent || undefined) as GoogleAdsConsent | undefined,
			};
			return { config, event: event as unknown as ForwardableEvent };
		};
		// n8n's OAuth2 helper sends (and refreshes the token); the shared loop batches, sends and sorts the results.
		return await forwardItems(this, 'google_ads', readItem, oauthSendDependencies(this));
	}
}
