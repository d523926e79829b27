import type { INodeProperties } from 'n8n-workflow';
import { DEFAULT_CUSTOM_TEMPLATE, customParams, listNetworks } from '../../src/networks';
import { PASTE_URL_DATA } from './paste-url';

/** Where the editor lists the URL to paste (see paste-url.ts): the last entry under the node's Webhook URLs. */
const WHERE_TO_COPY = 'listed last under "Webhook URLs" at the top of this panel (choose Production and click the URL to copy it)';

/**
 * One notice per preset saying what to paste into that network. Its query is listed one parameter per line: a URL
 * has no point where the notice could wrap it, and the whole URL, ready to copy, is in the Webhook URLs list.
 */
const templateNotices: INodeProperties[] = listNetworks()
	.filter((network) => network.id !== 'custom')
	.map((network) => {
		const query = PASTE_URL_DATA.queries[network.id].replace(/^\?/, '');
		const what = query
			? `the postback URL ${WHERE_TO_COPY}. It is this node's Production URL with these parameters:<ul>${query
					.split('&')
					.map((pair) => `<li>${pair}</li>`)
					.join('')}</ul>`
			: 'the Production URL under "Webhook URLs" at the top of this panel (click it to copy). ';
		return {
			displayName: `Paste into ${network.name} ${what}${network.setupHint}`,
			name: `notice_${network.id}`,
			type: 'notice' as const,
			default: '',
			displayOptions: { show: { network: [network.id] } },
		};
	});

const CUSTOM_PARAM_HELP: Partial<Record<(typeof customParams)[number], string>> = {
	click_id: 'Required. The network macro that returns your click id, e.g. {sub1} or {aff_sub}',
	commission: 'The macro for the affiliate commission or payout, e.g. {payout}',
	amount: 'The macro for the sale amount',
	currency: 'The macro for the currency (ISO 4217); leave empty to use the default currency',
	transaction_id: 'The macro for a unique conversion id, used to drop duplicates',
	event_name: 'An event name, fixed (CompleteRegistration) or a macro; it overrides the funnel logic',
	consent:
		"The visitor's consent to advertising use, when your platform passes it on: granted/denied, yes/no, true/false or 1/0. A denial wins over the click's consent; a grant never loosens it.",
	ad_user_data: "Consent to sending the visitor's data to ad platforms only (granted/denied); see consent",
	ad_personalization: 'Consent to personalised advertising only (granted/denied); see consent',
};

/** The authentication that needs nothing set up: the URL itself carries a secret n8n generated for this node. */
export const SECRET_URL = 'secretUrl';

const authenticationOptions = [
	{
		name: 'Secret URL (Generated)',
		value: SECRET_URL,
		description: 'The postback URL carries a secret n8n generated for this node (its webhook ID); paste the whole Production URL into the network',
	},
	{ name: 'Postback Authentication', value: 'postbackAuthApi', description: 'Secret token, Basic auth, HMAC signature or IP allowlist, from a credential' },
	{ name: 'None (Anyone Can Post)', value: 'none', description: 'Not recommended: anyone who finds the URL can post conversions and commissions' },
];

export const postbackTriggerProperties: INodeProperties[] = [
	{
		displayName: 'Network',
		name: 'network',
		type: 'options',
		noDataExpression: true,
		options: listNetworks().map((network) => ({
			name: network.name,
			value: network.id,
			description: `Subid parameter on offer links: ${network.subidParam}`,
		})),
		default: 'shareasale',
		description: 'Which network or tracker calls this URL; it decides how the postback is read',
	},
	{
		displayName: 'Path',
		name: 'path',
		type: 'string',
		default: 'postback',
		required: true,
		placeholder: 'shareasale',
		description: 'The last part of the webhook URL. Use one trigger (and path) per network.',
		displayOptions: { hide: { network: ['custom'] } },
	},
	{
		// The same parameter for the Custom preset, with its own example. The URL to paste is not a parameter: an
		// expression among the parameters would make n8n resolve this trigger's webhook through its expression engine
		// on every postback (an isolate per request on the default engine); the editor lists it under Webhook URLs.
		displayName: 'Path',
		name: 'path',
		type: 'string',
		default: 'postback',
		required: true,
		placeholder: 'hasoffers',
		description: 'The last part of the webhook URL. Use one trigger (and path) per network.',
		displayOptions: { show: { network: ['custom'] } },
	},
	{
		// Version 1 kept its default (None), so workflows saved with it keep their URL; they are warned below.
		displayName: 'Authentication',
		name: 'authentication',
		type: 'options',
		noDataExpression: true,
		options: authenticationOptions,
		default: 'none',
		description: 'Prove the postback comes from the network: a generated secret URL, or a credential (token, Basic auth, HMAC signature, IP allowlist)',
		displayOptions: { show: { '@version': [1] } },
	},
	{
		// New triggers ship closed: the URL n8n shows already carries a secret generated for this node.
		displayName: 'Authentication',
		name: 'authentication',
		type: 'options',
		noDataExpression: true,
		options: authenticationOptions,
		default: SECRET_URL,
		description: 'Prove the postback comes from the network: a generated secret URL, or a credential (token, Basic auth, HMAC signature, IP allowlist)',
		displayOptions: { show: { '@version': [{ _cnd: { gte: 2 } }] } },
	},
	{
		displayName:
			'Anyone who finds this URL can post conversions, and with them commissions for any affiliate. Choose "Secret URL (Generated)" or a Postback Authentication credential unless something in front of n8n already checks every request.',
		name: 'notice_unauthenticated',
		type: 'notice',
		default: '',
		displayOptions: { show: { authentication: ['none'] } },
	},
	{
		displayName:
			'The Production URL above ends in a secret n8n generated for this node: paste the whole URL into the network and treat it like a password. Postbacks to any other URL are refused. A copy of this node gets a new secret.',
		name: 'notice_secretUrl',
		type: 'notice',
		default: '',
		displayOptions: { show: { authentication: [SECRET_URL] } },
	},
	{
		displayName: 'Secret in Path',
		name: 'secretInPath',
		type: 'boolean',
		default: false,
		description:
			'Whether the URL ends with the secret token as an extra path segment: the production URL becomes …/webhook/&lt;webhook ID&gt;/&lt;path&gt;/&lt;token&gt; (n8n puts the webhook ID in front of paths with a parameter; copy it from the Production URL above). In the credential, send the secret token in "Last Segment of the Path".',
		displayOptions: { show: { authentication: ['postbackAuthApi'] } },
	},
	...templateNotices,
	{
		displayName: `Enter your network's own placeholder for each parameter you want (for example {sub1} for the click ID and {payout} for the commission). The postback URL to paste is ${WHERE_TO_COPY}: this node's Production URL with one query parameter per filled-in field, each carrying its placeholder. It follows your placeholders as you edit them.`,
		name: 'notice_custom',
		type: 'notice',
		default: '',
		displayOptions: { show: { network: ['custom'] } },
	},
	{
		displayName: 'Placeholders',
		name: 'customPlaceholders',
		type: 'collection',
		placeholder: 'Add Parameter',
		// Seed 002: only the click id and the conversion value are required; currency and the
		// transaction id (for dedup) are worth asking the network for from the start.
		default: { ...DEFAULT_CUSTOM_TEMPLATE },
		displayOptions: { show: { network: ['custom'] } },
		options: customParams.map((param) => ({
			displayName: param,
			name: param,
			type: 'string' as const,
			default: DEFAULT_CUSTOM_TEMPLATE[param] ?? '',
			placeholder: `{${param}}`,
			description: CUSTOM_PARAM_HELP[param] ?? `The macro the network replaces with the ${param.replace(/_/g, ' ')}`,
		})),
	},
	{
		displayName: 'Field Mapping (JSON Senders)',
		name: 'customFieldMap',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Mapping',
		default: {},
		description:
			'For senders that post their own JSON and cannot use the standard names: where to read each parameter from. Dotted paths reach into objects (data.click_id).',
		displayOptions: { show: { network: ['custom'] } },
		options: [
			{
				displayName: 'Mapping',
				name: 'mapping',
				values: [
					{
						displayName: 'Standard Parameter',
						name: 'param',
						type: 'options',
						options: customParams.map((param) => ({ name: param, value: param })),
						default: 'click_id',
					},
					{
						displayName: 'Read From',
						name: 'source',
						type: 'string',
						default: '',
						placeholder: 'data.subid',
					},
				],
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				// Version 1 only: version 2 keeps the key in a ClickBank INS credential (encrypted, never in the workflow JSON).
				// A version 1 workflow that has it keeps working; a credential, when attached, wins.
				displayName: 'ClickBank Secret Key (Deprecated)',
				name: 'clickbankSecret',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				description:
					"The INS secret key from ClickBank's account settings, used to decrypt notifications. Deprecated: it is stored in the workflow; new triggers use a ClickBank INS credential.",
				displayOptions: { show: { '/network': ['clickbank'], '@version': [1] } },
			},
			{
				displayName: 'Default Currency',
				name: 'currency',
				type: 'string',
				default: 'USD',
				description: 'ISO 4217 code used when the postback names no currency (ShareASale never does)',
			},
			{
				displayName: 'Pass Unauthenticated Requests to Rejected',
				name: 'emitUnauthenticated',
				type: 'boolean',
				default: true,
				description:
					'Whether requests that fail authentication still start the workflow on the Rejected output (useful to spot a misconfigured network; turn off if the URL is being probed)',
			},
			{
				displayName: 'Rejected Response Code',
				name: 'rejectStatus',
				type: 'options',
				options: [
					{ name: '400 Bad Request', value: 400 },
					{ name: '422 Unprocessable Content', value: 422 },
				],
				default: 400,
				description: 'HTTP status answered to postbacks that cannot be read',
			},
			{
				displayName: 'Resume If the Run Stops',
				name: 'resumeUnfinished',
				type: 'boolean',
				default: false,
				description:
					'Whether to keep each accepted postback in the tracking store until the Conversion Funnel has decided it, so a run that stops first (a worker killed, a store that was down) is resumed. Production URL only. Use the same tracking store as the Funnel, and connect the Postbacks output of a Redelivery Trigger on that store to the Funnel.',
			},
			{
				displayName: 'Time Zone of Network Times',
				name: 'timezone',
				type: 'string',
				default: 'UTC',
				placeholder: 'America/Chicago',
				description: 'IANA zone for networks that send local times without an offset (ShareASale, TUNE)',
			},
		],
	},
];
