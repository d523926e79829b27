import type { INodeProperties } from 'n8n-workflow';
import { COMPLETE_REGISTRATION, DEFAULT_IP_USER_AGENT_HOURS, LEAD, NETWORK_FUNNEL_RULES, PURCHASE } from '../../src/funnel';
import { getNetwork } from '../../src/networks';
import { DESTINATION_EVENTS, DESTINATION_NAMES, destinations } from '../../src/funnel/events';
import { storeProperties } from '../shared/store';

const platformOptions = destinations
	.map((platform) => ({ name: DESTINATION_NAMES[platform] ?? platform, value: platform }))
	.sort((a, b) => a.name.localeCompare(b.name));

/** The networks whose postbacks can name the partner to credit (the only ones the trust option applies to). */
const partnerNamingNetworks = Object.entries(NETWORK_FUNNEL_RULES)
	.filter(([, rules]) => rules.affiliateIsPartner)
	.map(([id]) => ({ name: getNetwork(id)?.name ?? id, value: id }))
	.sort((a, b) => a.name.localeCompare(b.name));

/** "Meta Purchase, TikTok CompletePayment, …" for the mapping table's description. */
const defaultsFor = (event: string) =>
	destinations.map((platform) => `${DESTINATION_NAMES[platform] ?? platform} ${DESTINATION_EVENTS[event][platform] ?? ''}`).join(', ');

export const conversionFunnelProperties: INodeProperties[] = [
	...storeProperties,
	{
		displayName:
			'Connect the Accepted output of a Postback Trigger. Each conversion leaves on one output: Lead, Purchase or Other Event to forward; Reversal for refunds and chargebacks (negative amounts); Pending while it waits for approval; Rejected; Duplicate for a postback already seen; Unattributed when no click matches.',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Forward Statuses',
		name: 'statusPolicy',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Approved Only',
				value: 'approved',
				description: 'Pending conversions go to the Pending output and are forwarded when the network approves them',
			},
			{
				name: 'Approved and Pending',
				value: 'approvedAndPending',
				description: 'Pending conversions are forwarded at once; a later approval is recorded, not forwarded again',
			},
		],
		default: 'approved',
		description: 'Which conversions go to the event outputs. Rejected ones never do.',
	},
	{
		displayName: 'Attribution Window',
		name: 'attributionWindow',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: '1 Day', value: '1d' },
			{ name: '7 Days', value: '7d' },
			{ name: '30 Days', value: '30d' },
			{ name: 'Unlimited', value: 'unlimited' },
		],
		default: '30d',
		description: 'How long after the click a conversion is still credited to it (click time to conversion time)',
	},
	{
		displayName: 'Attribution Model',
		name: 'attributionModel',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Last Click',
				value: 'lastClick',
				description: 'The click whose ID the network reported',
			},
			{
				name: 'First Click',
				value: 'firstClick',
				description: "The same visitor's earliest click inside the window",
			},
		],
		default: 'lastClick',
		description: 'Which click gets the conversion when a visitor clicked more than once',
	},
	{
		displayName: 'Fallback Attribution',
		name: 'fallbacks',
		type: 'multiOptions',
		noDataExpression: true,
		options: [
			{
				name: 'Coupon Code',
				value: 'coupon',
				description: 'Credit the affiliate the coupon code belongs to',
			},
			{
				name: 'IP Address and User Agent',
				value: 'ipUserAgent',
				description: 'Credit a recent click from the same IP address and browser',
			},
			{
				name: 'Lifetime Referral',
				value: 'lifetime',
				description: 'Credit the affiliate who first referred this customer (by email)',
			},
		],
		default: [],
		description: 'Used only when no click matches the click ID; each conversion shows how it was attributed',
	},
	{
		displayName: 'Forward Unattributed Conversions',
		name: 'forwardUnattributed',
		type: 'boolean',
		default: false,
		description: 'Whether conversions without a matching click go to their event output anyway instead of the Unattributed output',
	},
	{
		displayName: 'TUNE Repeat Sequence',
		name: 'repeatSequence',
		type: 'boolean',
		default: false,
		description:
			"Whether repeat conversions on one click ID become Lead, then CompleteRegistration, then Purchase (TUNE's smart sequence). Applies when the postback names no event and the network sends no event type.",
	},
	{
		displayName: 'Event Names per Platform',
		name: 'eventMapping',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Override',
		default: {},
		description: `Change the event name sent to a platform. Defaults: Purchase is ${defaultsFor(PURCHASE)}; Lead is ${defaultsFor(LEAD)}. Leave the name empty to send nothing to that platform.`,
		options: [
			{
				displayName: 'Override',
				name: 'override',
				values: [
					{
						displayName: 'Event',
						name: 'event',
						type: 'string',
						default: PURCHASE,
						placeholder: `${PURCHASE}, ${LEAD}, ${COMPLETE_REGISTRATION}`,
						description: 'Our event name, as it appears in the eventName field',
					},
					{
						displayName: 'Platform',
						name: 'destination',
						type: 'options',
						// Every platform in the mapping table (src/funnel/events.ts), by name.
						options: platformOptions,
						default: 'tiktok',
					},
					{
						displayName: 'Platform Event Name',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'SubmitForm',
					},
				],
			},
		],
	},
	{
		displayName: 'Commission Rules',
		name: 'commissionRules',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Rule',
		default: {},
		description:
			"For postbacks that report a sale but no commission (a shop's own sale tracking): the commission to credit. The most specific matching rule wins (affiliate, then offer, then action code); leave a field empty to match any.",
		options: [
			{
				displayName: 'Rule',
				name: 'rule',
				values: [
					{
						displayName: 'Action Code',
						name: 'actionCode',
						type: 'string',
						default: '',
						placeholder: 'sale',
						description: "The network's event type (ShareASale transtype, Post Affiliate Pro action code…)",
					},
					{
						displayName: 'Affiliate ID',
						name: 'affiliateId',
						type: 'string',
						default: '',
					},
					{
						displayName: 'Currency',
						name: 'currency',
						type: 'string',
						default: '',
						placeholder: 'USD',
						description: 'Required for a fixed amount;	for a percentage, limits the rule to sales in this currency',
					},
					{
						displayName: 'Offer ID',
						name: 'offerId',
						type: 'string',
						default: '',
					},
					{
						displayName: 'Type',
						name: 'type',
						type: 'options',
						options: [
							{
								name: 'Percentage of the Sale',
								value: 'percent',
							},
							{
								name: 'Fixed Amount',
								value: 'fixed',
							},
						],
						default: 'percent',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: '7.5',
						description: 'The percentage (7.5 for 7.5	%) or the fixed amount (an exact decimal)',
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
				displayName: 'Amount Precision',
				name: 'amountPrecision',
				type: 'options',
				// Reject by default: rounding moves money, and which rule a network's contract uses is the operator's call.
				options: [
					{ name: 'Reject', value: 'reject', description: 'Send the conversion to Rejected with the reason; nothing is recorded' },
					{ name: 'Round Half to Even', value: 'roundHalfEven', description: "Banker's rounding: 0.125 → 0.12, 0.135 → 0.14" },
					{ name: 'Round Half Up', value: 'roundHalfUp', description: 'Commercial rounding, ties away from zero: 0.125 → 0.13' },
					{ name: 'Truncate', value: 'truncate', description: 'Cut the extra decimals off: 0.129 → 0.12' },
				],
				default: 'reject',
				description:
					'What to do with an amount or commission that has more decimals than its currency (0.005 USD, 0.5 JPY): such an amount cannot be paid exactly. A rounded conversion lists what was received and recorded in amountAdjustments.',
			},
			{
				displayName: 'IP and User Agent Window (Hours)',
				name: 'ipUserAgentHours',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: DEFAULT_IP_USER_AGENT_HOURS,
				description: 'How recent a click from the same IP address and browser must be to be credited',
			},
			{
				displayName: 'Trust Affiliate ID From Postbacks',
				name: 'trustPostbackAffiliate',
				type: 'multiOptions',
				options: partnerNamingNetworks,
				default: [],
				description:
					'Networks whose postbacks may name the affiliate to credit when no stored click, coupon or customer does. Credited only when the Postback Trigger also authenticated the postback (secret token, Basic, HMAC or IP allowlist); otherwise the conversion is recorded and forwarded, and no commission is written.',
			},
			{
				displayName: 'Visitor User Agent',
				name: 'userAgent',
				type: 'string',
				default: '',
				placeholder: '={{ $json.raw.query.ua }}',
				description:
					"The converting visitor's browser user agent, for the IP and user agent fallback. Empty: read from a user_agent or ua parameter of the postback.",
			},
			{
				displayName: 'Without Transaction ID',
				name: 'withoutTransactionId',
				type: 'options',
				options: [
					{
						name: 'Derive a Key',
						value: 'derive',
						description: "Deduplicate on the postback's stable fields (click ID, amounts, time, order ID…): a network's retries are credited once",
					},
					{
						name: 'Hold for Review',
						value: 'hold',
						description: 'Deduplicate the same way, but write no commission until the network sends a transaction ID',
					},
				],
				default: 'derive',
				description: 'How to treat a postback that carries no transaction ID. The item says which key was used (dedup.basis).',
			},
		],
	},
];
