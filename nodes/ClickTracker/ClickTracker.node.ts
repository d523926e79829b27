import {
	type IDataObject,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
	NodeConnectionTypes,
} from 'n8n-workflow';
import { autoTagScript, trackClick, type OfferConfig, type TrackerConfig, type TrackedClick } from '../../src/clicks';
import type { ClickRecord } from '../../src/store/types';
import { postbackStoreTest, storeFor } from '../shared/store';
import { clickTrackerProperties } from './description';
import { webhookWithPath } from '../shared/webhook-path';
import { credentialShownFor } from '../shared/credential-display';

interface TrackerOptions {
	autoTagMode?: 'route' | 'tag';
	defaultSubidParam?: string;
	clickIdPrefix?: string;
	cookieDomain?: string;
	cookieDays?: number;
	cookieName?: string;
	consentCookie?: string;
	consentCookieDenied?: string;
	consentCookieGranted?: string;
	consentParam?: string;
	honorGpc?: boolean;
	emitRejected?: boolean;
	trackerUrl?: string;
	trustProxy?: number;
}

interface OfferParameter {
	name?: string;
	url?: string;
	network?: string;
	subidParam?: string;
}

const AUTOTAG_SUFFIX = '/autotag.js';

function readOffers(context: IWebhookFunctions): OfferConfig[] {
	const entries = (context.getNodeParameter('offers.offer', []) as OfferParameter[]) ?? [];
	return entries
		.filter((entry) => (entry.name ?? '').trim() !== '')
		.map((entry) => ({
			name: entry.name!.trim(),
			url: (entry.url ?? '').trim(),
			network: entry.network && entry.network !== 'auto' && entry.network !== 'customParam' ? entry.network : undefined,
			subidParam: entry.network === 'customParam' ? (entry.subidParam ?? '').trim() || undefined : undefined,
		}));
}

/** The store gets the click as the store interface defines it, nothing more. */
function toRecord(click: TrackedClick): ClickRecord {
	return Object.fromEntries(Object.entries(click).filter(([key]) => key !== 'newVisitor')) as unknown as ClickRecord;
}

// A click tracker is a link that visitors open; there is no remote service to register it with.
// eslint-disable-next-line @n8n/community-nodes/webhook-lifecycle-complete
export class ClickTracker implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Click Tracker',
		name: 'clickTracker',
		icon: { light: 'file:clickTracker.svg', dark: 'file:clickTracker.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"/" + $parameter["path"]}}',
		description: "Records offer link clicks with their ad click IDs and redirects to the offer with the click ID in the network's subid",
		defaults: { name: 'Click Tracker' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Click', 'Rejected'],
		credentials: [
			{
				name: 'postbackStorePostgresApi',
				required: true,
				testedBy: 'postbackStoreTest',
				displayOptions: credentialShownFor({ store: ['postgres'] }),
			},
		],
		webhooks: [
			webhookWithPath(
				{ name: 'default', httpMethod: 'GET', responseMode: 'onReceived', isFullPath: true },
				'={{$parameter["path"]}}',
				(parameters) => parameters.path as string,
			),
			webhookWithPath(
				{ name: 'default', httpMethod: 'GET', responseMode: 'onReceived', isFullPath: true },
				`={{$parameter["path"] + "${AUTOTAG_SUFFIX}"}}`,
				(parameters) => `${parameters.path}${AUTOTAG_SUFFIX}`,
			),
		],
		triggerPanel: {
			header: 'Open the Test URL above with ?offer=[offer name] to record a test click',
			executionsHelp: {
				inactive:
					'While you build, click "Listen for test event" and open the Test URL with ?offer=[offer name] (or ?url=[link on an allowed domain]). Publish the workflow and use the Production URL in your ads and pages.',
				active: 'The workflow is published: every click on the Production URL is recorded, redirected and starts it.',
			},
			activationHint: 'Publish the workflow and use the Production URL in your offer links.',
		},
		properties: clickTrackerProperties,
	};

	methods = { credentialTest: { postbackStoreTest } };

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const request = this.getRequestObject();
		const response = this.getResponseObject();
		const options = this.getNodeParameter('options', {}) as TrackerOptions;
		const offers = readOffers(this);
		const allowedDomains = this.getNodeParameter('allowedDomains', '') as string;
		const path = request.path ?? (request.url ?? '').split('?')[0];

		if (path.endsWith(AUTOTAG_SUFFIX)) {
			const script = autoTagScript({
				trackerUrl: options.trackerUrl?.trim() || undefined,
				mode: options.autoTagMode,
				allowedDomains,
				offers,
				clickParam: options.defaultSubidParam,
				cookieName: options.cookieName,
			});
			response.status(200);
			response.setHeader('Content-Type', 'application/javascript; charset=utf-8');
			response.setHeader('Cache-Control', 'public, max-age=300');
			response.setHeader('X-Content-Type-Options', 'nosniff');
			response.end(script);
			return { noWebhookResponse: true };
		}

		const config: TrackerConfig = {
			offers,
			allowedDomains,
			defaultSubidParam: options.defaultSubidParam,
			trustProxy: options.trustProxy ?? 0,
			clickIdPrefix: options.clickIdPrefix?.trim() || undefined,
			cookie: { name: options.cookieName, days: options.cookieDays, domain: options.cookieDomain },
			consent: {
				linkParam: options.consentParam,
				...(options.consentCookie?.trim()
					? { cookie: { name: options.consentCookie, deniedIf: options.consentCookieDenied, grantedIf: options.consentCookieGranted } }
					: {}),
				honourGpc: options.honorGpc !== false,
			},
		};
		const outcome = trackClick(
			{
				method: request.method,
				query: (request.query ?? {}) as Record<string, unknown>,
				headers: request.headers,
				ip: request.ip,
				cookies: (request as unknown as { cookies?: Record<string, string> }).cookies,
				secure: request.secure === true,
			},
			config,
		);

		const clicks: INodeExecutionData[] = [];
		const rejected: INodeExecutionData[] = [];
		if (outcome.click) {
			// Recorded before the redirect, so a postback racing the visitor finds the click. A store that
			// is down must not strand the visitor: the redirect (with the click ID) still happens.
			let recorded = false;
			let storeError: string | undefined;
			try {
				recorded = await (await storeFor(this)).recordClick(toRecord(outcome.click));
			} catch (error) {
				storeError = error instanceof Error ? error.message : String(error);
			}
			const item: IDataObject = { eventName: 'OutboundClick', ...outcome.click, recorded, ...(storeError ? { storeError } : {}) };
			clicks.push({ json: item, pairedItem: { item: 0 } });
		}
		if (outcome.rejected && options.emitRejected !== false) {
			rejected.push({ json: outcome.rejected as unknown as IDataObject, pairedItem: { item: 0 } });
		}

		response.status(outcome.response.status);
		for (const [name, value] of Object.entries(outcome.response.headers)) response.setHeader(name, value);
		if (outcome.response.body) response.json(outcome.response.body);
		else response.end();

		if (clicks.length === 0 && rejected.length === 0) return { noWebhookResponse: true };
		return { noWebhookResponse: true, workflowData: [clicks, rejected] };
	}
}
