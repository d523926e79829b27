import type { INodeProperties } from 'n8n-workflow';
import { PARTNER_PRESETS, STANDARD_MACROS } from '../../src/partners';
import { conversionLogProperty, storeProperties } from '../shared/store';

const macroList = Object.keys(STANDARD_MACROS)
	.map((name) => `{${name}}`)
	.join(', ');

/** One URL Template field per preset, each with that preset's default (n8n defaults cannot depend on another parameter). */
// eslint-disable-next-line n8n-nodes-base/node-param-default-missing -- the default is each preset's template, set below
const templateProperties: INodeProperties[] = PARTNER_PRESETS.map((preset) => ({
	displayName: 'URL Template',
	name: 'urlTemplate',
	type: 'string',
	default: preset.template,
	required: true,
	displayOptions: { show: { preset: [preset.id] } },
	description: `${preset.description} Macros: ${macroList}, and any name mapped under Values. Values are URL-encoded; a macro without a value is sent empty${preset.emptyParameters === 'omit' ? ' (a parameter that is only empty macros is left out)' : ''}.`,
}));

/**
 * The store selector, shown while dedup or the conversion log is on: once for dedup on, once for dedup off
 * with the log on (n8n's display conditions cannot say "or"; the two never show together, and both set the
 * same parameters).
 */
const dedupStoreProperties: INodeProperties[] = [
	...storeProperties.map((property) => ({
		...property,
		displayOptions: { ...property.displayOptions, show: { ...property.displayOptions?.show, dedup: [true] } },
	})),
	...storeProperties.map((property) => ({
		...property,
		displayOptions: { ...property.displayOptions, show: { ...property.displayOptions?.show, dedup: [false], conversionLog: [true] } },
	})),
];

export const sendPostbackProperties: INodeProperties[] = [
	{
		displayName:
			'Sends each input item to a partner’s postback URL (server to server), with the URL’s {macros} filled from the item: connect a Conversion Funnel output, or any item with clickId, transactionId, amount, commission… Every input item comes out once with a "postback" field saying what happened.',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Preset',
		name: 'preset',
		type: 'options',
		noDataExpression: true,
		options: [...PARTNER_PRESETS]
			.sort((a, b) => a.name.localeCompare(b.name))
			.map((preset) => ({ name: preset.name, value: preset.id, description: preset.description })),
		default: 'custom',
		description: 'The partner system: gives the URL template, the required values and the partner’s own placeholder spellings',
	},
	...templateProperties,
	{
		displayName: 'Method',
		name: 'method',
		type: 'options',
		options: [
			{ name: 'GET', value: 'GET', description: 'The values in the URL’s query' },
			{ name: 'POST (Form)', value: 'POST_FORM', description: 'The query’s parameters as a form body, to the URL without its query' },
			{ name: 'POST (JSON)', value: 'POST_JSON', description: 'The query’s parameters as a JSON object of strings, to the URL without its query' },
		],
		default: 'GET',
		description: 'How the values travel',
	},
	{
		displayName: 'Values',
		name: 'values',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Value',
		default: {},
		description: 'Macro values from expressions: a new macro used in the template (e.g. aff_id), or a standard one to override (e.g. click_id).',
		options: [
			{
				displayName: 'Value',
				name: 'value',
				values: [
					{
						displayName: 'Macro',
						name: 'name',
						type: 'string',
						default: '',
						placeholder: 'aff_id',
						description: 'The macro’s name, without braces',
					},
					{
						displayName: 'Value',
						name: 'value',
						type: 'string',
						default: '',
						placeholder: '={{ $json.click.clickId }}',
						description: 'What to put in its place (URL-encoded for you)',
					},
				],
			},
		],
	},
	{
		displayName: 'Dedup',
		name: 'dedup',
		type: 'boolean',
		default: true,
		description:
			'Whether to send each conversion (transaction, event and status) to this partner only once, through the tracking store. A failed send is not recorded, so running it again sends it.',
	},
	conversionLogProperty,
	...dedupStoreProperties,
	{
		displayName: 'Retries',
		name: 'retries',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 9 },
		default: 3,
		description: 'How many times to retry after a network error, HTTP 429 or 5xx (with backoff, honouring Retry-After). Other 4xx answers are never retried.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Empty Parameters',
				name: 'emptyParameters',
				type: 'options',
				options: [
					{ name: 'Preset Default', value: 'preset' },
					{ name: 'Keep (Send Empty)', value: 'keep' },
					{ name: 'Leave Out', value: 'omit' },
				],
				default: 'preset',
				description: 'What to do with a query parameter whose value is only macros without a value',
			},
			{
				displayName: 'Target ID',
				name: 'target',
				type: 'string',
				default: '',
				placeholder: 'voluum-main',
				description:
					'Names this partner in the dedup key (default: the preset) and in the redelivery outbox (default: the preset and the URL template). Give two Send Postback nodes of one preset different IDs when they notify different partners.',
			},
			{
				displayName: 'Timeout (Ms)',
				name: 'timeout',
				type: 'number',
				typeOptions: { minValue: 1000 },
				default: 30000,
				description: 'How long to wait for the partner’s answer per attempt',
			},
		],
	},
];
