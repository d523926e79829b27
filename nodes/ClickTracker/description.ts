import type { INodeProperties } from 'n8n-workflow';
import { DEFAULT_COOKIE_DAYS, DEFAULT_SUBID_PARAM, DEFAULT_VISITOR_COOKIE, linkNetworks } from '../../src/clicks';
import { storeProperties } from '../shared/store';

/** Offer network choices: detect from the link, every network with offer links, or a parameter typed in. */
const offerNetworkOptions = [
	{
		name: 'Detect From Link',
		value: 'auto',
		description: 'Known network domains (ShareASale, Awin, Impact, ClickBank, CJ, Rakuten), or --CLICK-ID-- in the link',
	},
	...linkNetworks().map((network) => ({ name: network.name, value: network.id, description: `Subid parameter: ${network.subidParam}` })),
	{ name: 'Other (Enter Parameter)', value: 'customParam', description: 'Type the query parameter that carries the click ID' },
];

export const clickTrackerProperties: INodeProperties[] = [
	{
		displayName:
			'Offer links: [Production URL]?offer=[offer name]. Links to other pages: [Production URL]?url=[URL-encoded link], allowed only on the domains listed below. Ad click IDs (fbclid, gclid, ttclid…) and utm parameters on the link are recorded. AutoTag for your pages: [Production URL]/autotag.js.',
		name: 'notice_usage',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Path',
		name: 'path',
		type: 'string',
		default: 'go',
		required: true,
		placeholder: 'go',
		description: 'The last part of the tracking URL. The AutoTag script is served at this path plus /autotag.js.',
	},
	{
		displayName: 'Offers',
		name: 'offers',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Offer',
		default: {},
		description:
			"Offer links visitors are sent to with ?offer=[name]. The click ID goes into the network's subid parameter, or replaces --CLICK-ID-- in the link.",
		options: [
			{
				displayName: 'Offer',
				name: 'offer',
				values: [
					{
						displayName: 'Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'wpengine',
						description: 'Used in the tracking link as ?offer=[name] (not case-sensitive)',
					},
					{
						displayName: 'Offer URL',
						name: 'url',
						type: 'string',
						default: '',
						placeholder: 'https://shareasale.com/r.cfm?b=394686&u=1011620&m=41388&urllink=&afftrack=',
						description: 'The affiliate link from the network, with or without --CLICK-ID--',
					},
					{
						displayName: 'Network',
						name: 'network',
						type: 'options',
						options: offerNetworkOptions,
						default: 'auto',
						description: 'Whose subid parameter carries the click ID',
					},
					{
						displayName: 'Subid Parameter',
						name: 'subidParam',
						type: 'string',
						default: '',
						placeholder: 'sub1',
						description: 'Query parameter that carries the click ID on this link',
						displayOptions: { show: { network: ['customParam'] } },
					},
				],
			},
		],
	},
	{
		displayName: 'Allowed Domains',
		name: 'allowedDomains',
		type: 'string',
		default: '',
		placeholder: 'shareasale.com, awin1.com, example.com',
		description:
			'Domains that target links passed in the request (and AutoTag) may send visitors to, each with its subdomains; separate with commas. Empty: only the offers above. Anything else is refused, so the tracker is never an open redirect.',
	},
	...storeProperties,
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'AutoTag Mode',
				name: 'autoTagMode',
				type: 'options',
				options: [
					{
						name: 'Route Through the Tracker',
						value: 'route',
						description: "Offer links go through this tracker, which records each click with the page's ad click IDs",
					},
					{
						name: 'Tag Directly When Possible',
						value: 'tag',
						description: 'When the visit already has a click ID from this tracker, write it straight into offer links; route otherwise',
					},
				],
				default: 'route',
				description: 'What the AutoTag script does with links to known networks and links carrying --CLICK-ID--',
			},
			{
				displayName: 'Click ID Parameter on Your Pages',
				name: 'defaultSubidParam',
				type: 'string',
				default: DEFAULT_SUBID_PARAM,
				description:
					'For target links passed in the request to domains of no known network (your own landing pages): the query parameter that receives the click ID; AutoTag reads it there',
			},
			{
				displayName: 'Click ID Prefix',
				name: 'clickIdPrefix',
				type: 'string',
				default: '',
				placeholder: 'c',
				description: 'Lowercase letters and digits put before every minted click ID',
			},
			{
				displayName: 'Consent Cookie',
				name: 'consentCookie',
				type: 'string',
				default: '',
				placeholder: 'CookieConsent',
				description:
					'The cookie your consent banner sets (Cookiebot: CookieConsent, OneTrust: OptanonConsent). It is read as the two texts below say; with neither set, its whole value must be granted/denied, yes/no, true/false or 1/0.',
			},
			{
				displayName: 'Consent Cookie: Denied If It Contains',
				name: 'consentCookieDenied',
				type: 'string',
				default: '',
				placeholder: 'marketing:false',
				description:
					"Text in the consent cookie's value that means the visitor refused advertising use (Cookiebot: marketing:false; OneTrust: your targeting group with :0, such as C0004:0). Checked first: a denial wins.",
			},
			{
				displayName: 'Consent Cookie: Granted If It Contains',
				name: 'consentCookieGranted',
				type: 'string',
				default: '',
				placeholder: 'marketing:true',
				description: "Text in the consent cookie's value that means the visitor allowed advertising use (Cookiebot: marketing:true; OneTrust: C0004:1)",
			},
			{
				displayName: 'Consent Link Parameter',
				name: 'consentParam',
				type: 'string',
				default: '',
				placeholder: 'consent',
				description: "A query parameter on your tracking links carrying the visitor's consent: granted/denied, yes/no, true/false or 1/0. Empty: not read.",
			},
			{
				displayName: 'Cookie Domain',
				name: 'cookieDomain',
				type: 'string',
				default: '',
				placeholder: 'example.com',
				description: "Share the visitor cookie with your site when n8n runs on one of its subdomains (track.example.com). Empty: the tracker's own host.",
			},
			{
				displayName: 'Cookie Lifetime (Days)',
				name: 'cookieDays',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 400 },
				default: DEFAULT_COOKIE_DAYS,
				description: 'How long the visitor cookie is kept; 0 keeps it for the browser session',
			},
			{
				displayName: 'Cookie Name',
				name: 'cookieName',
				type: 'string',
				default: DEFAULT_VISITOR_COOKIE,
				description: 'First-party cookie holding the visitor ID; the last click ID is kept in the same name plus _click',
			},
			{
				displayName: 'Honor Global Privacy Control',
				name: 'honorGpc',
				type: 'boolean',
				default: true,
				description:
					'Whether a browser sending Sec-GPC: 1 (an opt-out of the sale and sharing of its data) denies ad personalization for the click. Consent from the link or cookie never loosens it.',
			},
			{
				displayName: 'Pass Rejected Requests to Rejected',
				name: 'emitRejected',
				type: 'boolean',
				default: true,
				description:
					'Whether refused click requests (unknown offer, domain not allowed…) start the workflow on the Rejected output. Nothing is recorded for them either way.',
			},
			{
				displayName: 'Tracker URL for AutoTag',
				name: 'trackerUrl',
				type: 'string',
				default: '',
				placeholder: 'https://track.example.com/webhook/go',
				description: 'Where AutoTag sends clicks. Empty: the address the script was loaded from, without /autotag.js.',
			},
			{
				displayName: 'Trusted Proxy Hops',
				name: 'trustProxy',
				type: 'number',
				typeOptions: { minValue: 0, maxValue: 10 },
				default: 0,
				description:
					'Reverse proxies in front of n8n that append to X-Forwarded-For. The visitor IP is then the entry that many places from the right (never the first entry, which a visitor can forge). Leave 0 when n8n itself is configured with N8N_PROXY_HOPS.',
			},
		],
	},
];
