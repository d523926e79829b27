import {
	type ICredentialTestFunctions,
	type ICredentialsDecrypted,
	type IDataObject,
	type INodeCredentialTestResult,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
	NodeConnectionTypes,
} from 'n8n-workflow';
import type { InboundAuthConfig } from '../../src/auth';
import { firstUseOfSignature, inboundAuthProblem, parseAllowlist } from '../../src/auth';
import { type IntakeConfig, type IntakeRequest, journalAccepted, receivePostback, rejectReplays, segmentBeforePath } from '../../src/intake';
import { journalPostback } from '../../src/destinations/intake-journal';
import { scopedOutbox } from '../../src/destinations/outbox-scope';
import type { CustomParam, ParseOptions } from '../../src/networks';
import { SECRET_URL, postbackTriggerProperties } from './description';
import { webhookWithPath } from '../shared/webhook-path';
import { pasteUrlWebhook } from './paste-url';
import { postbackStoreTest, storeFor, storeProperties } from '../shared/store';
import { optionLabel } from '../shared/expression';
import { credentialShownFor } from '../shared/credential-display';
import { destinationRedeliveryPolicy, outboxScope } from '../shared/outbox';
import { nodeClock } from '../shared/clock';

interface TriggerOptions {
	currency?: string;
	timezone?: string;
	clickbankSecret?: string;
	rejectStatus?: number;
	emitUnauthenticated?: boolean;
	resumeUnfinished?: boolean;
}

/** The webhook path: the operator's path, plus a secret segment when the token travels in the path. */
const WEBHOOK_PATH = '={{$parameter["path"] + ($parameter["authentication"] === "postbackAuthApi" && $parameter["secretInPath"] ? "/:secret" : "")}}';
/** WEBHOOK_PATH without the expression engine (n8n resolves the path natively with it; see webhookWithPath). */
const webhookPath = (parameters: IDataObject): string =>
	`${parameters.path}${parameters.authentication === 'postbackAuthApi' && parameters.secretInPath ? '/:secret' : ''}`;

/**
 * The trigger's own properties plus the tracking store, placed before the Options collection (n8n keeps
 * options last). The store remembers HMAC signatures for replay protection: in queue mode it must be the
 * PostgreSQL store every process shares.
 */
function withReplayStore(properties: INodeProperties[]): INodeProperties[] {
	const store = storeProperties.map((property) =>
		property.name === 'store'
			? {
					...property,
					description:
						'Where this trigger remembers HMAC signatures it has accepted (replay protection) and, with Resume If the Run Stops, the postbacks not yet decided by the Conversion Funnel. Use the same store as the rest of the pipeline; PostgreSQL in queue mode.',
				}
			: property,
	);
	const at = properties.findIndex((property) => property.name === 'options');
	return at < 0 ? [...properties, ...store] : [...properties.slice(0, at), ...store, ...properties.slice(at)];
}

/**
 * Whether n8n prefixes the node's webhook ID to the path (…/webhook/<webhook ID>/<path>): with the generated secret
 * URL it does, and that ID is the secret. Each new node gets a random UUID from the editor (also on import, for a
 * node without one), so no two installs share it. Resolved natively like the path (see webhookWithPath).
 */
const IS_FULL_PATH = `={{$parameter["authentication"] !== "${SECRET_URL}"}}`;
const isFullPath = (parameters: IDataObject): boolean => parameters.authentication !== SECRET_URL;

function credentialToAuth(credential: IDataObject): InboundAuthConfig {
	const text = (key: string) => (typeof credential[key] === 'string' ? (credential[key] as string) : undefined);
	return {
		method: (text('method') ?? 'token') as InboundAuthConfig['method'],
		token: text('token'),
		tokenLocation: text('placement') === 'path' ? 'path' : 'query',
		tokenParam: text('queryParameterName'),
		user: text('user'),
		password: text('password'),
		hmacSecret: text('hmacSecret'),
		hmacHeader: text('hmacHeader'),
		hmacEncoding: text('hmacEncoding') === 'base64' ? 'base64' : 'hex',
		hmacTimestampHeader: text('hmacTimestampHeader')?.trim() || undefined,
		hmacMaxAgeSeconds: typeof credential.hmacMaxAgeSeconds === 'number' ? credential.hmacMaxAgeSeconds : undefined,
		ipAllowlist: text('ipAllowlist'),
	};
}

// Networks are set up by pasting the postback URL into their dashboard; none offers an API to register
// it, so there is no remote webhook to create, check or delete (as with n8n's own Webhook node).
// eslint-disable-next-line @n8n/community-nodes/webhook-lifecycle-complete
export class PostbackTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Postback Trigger',
		name: 'postbackTrigger',
		icon: { light: 'file:postback.svg', dark: 'file:postback.dark.svg' },
		group: ['trigger'],
		// Version 2: new triggers default to a generated secret URL, and ClickBank's key lives in a credential.
		version: [1, 2],
		defaultVersion: 2,
		subtitle: `={{${optionLabel(postbackTriggerProperties, 'network')}}}`,
		description: 'Receives conversion postbacks from affiliate networks (ShareASale, Awin, Impact, TUNE, Everflow, ClickBank…)',
		defaults: { name: 'Postback Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Accepted', 'Rejected'],
		credentials: [
			{
				name: 'postbackAuthApi',
				required: true,
				testedBy: 'postbackAuthTest',
				displayOptions: credentialShownFor({ authentication: ['postbackAuthApi'] }),
			},
			{
				name: 'postbackStorePostgresApi',
				required: true,
				testedBy: 'postbackStoreTest',
				displayOptions: credentialShownFor({ store: ['postgres'] }),
			},
			{
				name: 'clickBankInsApi',
				required: true,
				testedBy: 'clickBankInsTest',
				displayOptions: credentialShownFor({ network: ['clickbank'], '@version': [2] }),
			},
		],
		webhooks: [
			webhookWithPath({ name: 'default', httpMethod: 'GET', responseMode: 'onReceived' }, WEBHOOK_PATH, webhookPath, IS_FULL_PATH, isFullPath),
			webhookWithPath({ name: 'default', httpMethod: 'POST', responseMode: 'onReceived' }, WEBHOOK_PATH, webhookPath, IS_FULL_PATH, isFullPath),
			// Last: the editor's trigger panel reads the first entry.
			pasteUrlWebhook({ template: WEBHOOK_PATH, resolve: webhookPath }, { template: IS_FULL_PATH, resolve: isFullPath }),
		],
		triggerPanel: {
			header: 'Send a test postback to the Test URL above',
			executionsHelp: {
				inactive:
					'While you build, click "Listen for test event" and fire a test conversion from the network (or open the Test URL with the parameters filled in). Publish the workflow and paste the Production URL into the network for real postbacks.',
				active: 'The workflow is published: every postback the network sends to the Production URL starts it.',
			},
			activationHint: 'Publish the workflow and paste the Production URL into the network.',
		},
		properties: withReplayStore(postbackTriggerProperties),
	};

	methods = {
		credentialTest: {
			postbackStoreTest,
			/** The credential is inbound-only: check it is usable rather than calling a service. */
			async postbackAuthTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
				const auth = credentialToAuth(credential.data ?? {});
				const { invalid } = parseAllowlist(auth.ipAllowlist ?? '');
				if (invalid.length > 0) return { status: 'Error', message: `Not an address or CIDR range: ${invalid.join(', ')}` };
				// What the trigger would refuse at run time (503), refused here first.
				const problem = inboundAuthProblem(auth);
				if (problem) return { status: 'Error', message: problem };
				if (auth.method === 'token' && (auth.token ?? '').length < 16) {
					return { status: 'Error', message: 'Use a secret token of at least 16 random characters' };
				}
				if (auth.method === 'basic' && (!auth.user || (auth.password ?? '').length < 8)) {
					return { status: 'Error', message: 'Set a user and a password of at least 8 characters' };
				}
				if (auth.method === 'hmac' && (auth.hmacSecret ?? '').length < 16) {
					return { status: 'Error', message: 'Use an HMAC secret of at least 16 characters' };
				}
				if (auth.method === 'none' && !(auth.ipAllowlist ?? '').trim()) {
					return { status: 'Error', message: '"IP Allowlist Only" needs at least one address or range' };
				}
				return { status: 'OK', message: 'The credential is complete' };
			},
			/** Offline: ClickBank sends nothing to test against, so check the key has ClickBank's shape. */
			async clickBankInsTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
				const key = typeof credential.data?.secretKey === 'string' ? credential.data.secretKey.trim() : '';
				// ClickBank's secret key is "up to 16 letters & digits" (http://www.clickbank.com/vendor_tools.html, "Secret Key").
				if (!/^[A-Za-z0-9]{1,16}$/.test(key))
					return { status: 'Error', message: "ClickBank's secret key is 1 to 16 letters and digits, as set in its account settings" };
				return { status: 'OK', message: 'The key has the shape of a ClickBank secret key' };
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const request = this.getRequestObject();
		const response = this.getResponseObject();
		const network = this.getNodeParameter('network', 'shareasale') as string;
		const options = this.getNodeParameter('options', {}) as TriggerOptions;
		const authentication = this.getNodeParameter('authentication', 'none') as string;

		// ClickBank's key: from the credential (version 2), else the deprecated parameter a version 1 node may still hold.
		let clickbankSecret = options.clickbankSecret || undefined;
		if (network === 'clickbank' && this.getNode().credentials?.clickBankInsApi) {
			try {
				const credential = await this.getCredentials('clickBankInsApi');
				if (typeof credential.secretKey === 'string' && credential.secretKey.trim()) clickbankSecret = credential.secretKey;
			} catch {
				// Unreadable: the notification is refused as undecryptable or missing its secret, and kept on Rejected.
			}
		}
		const parseOptions: ParseOptions = {
			currency: options.currency || undefined,
			timezone: options.timezone?.trim() || undefined,
			secret: clickbankSecret,
		};
		if (network === 'custom') {
			const mappings = (this.getNodeParameter('customFieldMap.mapping', []) as Array<{ param: CustomParam; source: string }>) ?? [];
			parseOptions.fieldMap = Object.fromEntries(mappings.filter((m) => m.source?.trim()).map((m) => [m.param, m.source.trim()]));
		}
		const originalUrl = request.originalUrl ?? request.url ?? '';
		let auth: InboundAuthConfig | 'unavailable' | undefined;
		let pathToken = (request.params as Record<string, string> | undefined)?.secret;
		let unavailableReason: string | undefined;
		if (authentication === SECRET_URL) {
			// n8n routed the request here because the URL carries this node's webhook ID; intake checks it again
			// itself (a constant-time comparison), so the URL's secret never rests on routing alone.
			const webhookId = this.getNode().webhookId;
			if (webhookId) {
				auth = { method: 'token', token: webhookId, tokenLocation: 'path' };
				pathToken = segmentBeforePath(originalUrl, String(this.getNodeParameter('path', '')));
			} else {
				auth = 'unavailable';
				unavailableReason =
					'This trigger has no webhook ID to use as its secret URL. Remove the node and add it again (n8n gives a new node a webhook ID), or choose another authentication.';
			}
		} else if (authentication === 'postbackAuthApi') {
			try {
				auth = credentialToAuth(await this.getCredentials('postbackAuthApi'));
			} catch {
				// A missing or undecryptable credential must not turn postbacks into bare 500s: refuse and keep them.
				auth = 'unavailable';
			}
		}

		const incoming: IntakeRequest = {
			method: request.method,
			query: (request.query ?? {}) as Record<string, unknown>,
			body: request.body as unknown,
			rawBody: (request as unknown as { rawBody?: Buffer }).rawBody,
			headers: request.headers,
			ip: request.ip,
			rawQueryString: originalUrl.includes('?') ? originalUrl.slice(originalUrl.indexOf('?') + 1) : '',
			pathToken,
		};
		const intakeConfig: IntakeConfig = {
			network,
			auth,
			...(unavailableReason ? { unavailableReason } : {}),
			parseOptions,
			rejectStatus: options.rejectStatus,
			emitUnauthenticated: options.emitUnauthenticated,
		};
		// A timestamped HMAC signature is good once: the configured tracking store (PostgreSQL in queue mode, so
		// every host shares it) remembers it as a lease that expires once the signature could no longer pass.
		const outcome = await rejectReplays(incoming, intakeConfig, receivePostback(incoming, intakeConfig), async (signature, windowSeconds) =>
			firstUseOfSignature(await storeFor(this), signature, windowSeconds),
		);

		// Resume If the Run Stops: the accepted postback is in the store before the network hears it was taken, so a
		// run that stops before the Funnel decided it is resumed by the Redelivery Trigger (Postbacks output). Not for
		// the Test URL ('manual'): listening on the trigger alone never runs the Funnel, and the workflow's published
		// Redelivery Trigger would then put the test postback through the real pipeline.
		const answer =
			options.resumeUnfinished && this.getMode() !== 'manual'
				? await journalAccepted(
						outcome,
						async (item) => await journalPostback(scopedOutbox(await storeFor(this), outboxScope(this)), item, nodeClock.now(), destinationRedeliveryPolicy()),
						// The network only hears 503; the operator's log says why (store messages name no password).
						(error) => this.logger.warn(`Postback Trigger could not journal an accepted postback: ${(error as Error).message}`),
					)
				: { response: outcome.response, accepted: outcome.accepted as unknown as IDataObject | undefined };

		for (const [name, value] of Object.entries(answer.response.headers ?? {})) response.setHeader(name, value);
		response.status(answer.response.status).json(answer.response.body);

		const accepted: INodeExecutionData[] = [];
		const rejected: INodeExecutionData[] = [];
		if (answer.accepted) accepted.push({ json: answer.accepted as IDataObject, pairedItem: { item: 0 } });
		if (outcome.rejected) rejected.push({ json: outcome.rejected as unknown as IDataObject, pairedItem: { item: 0 } });
		if (accepted.length === 0 && rejected.length === 0) return { noWebhookResponse: true };
		return { noWebhookResponse: true, workflowData: [accepted, rejected] };
	}
}
