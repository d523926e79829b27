import type { INodeProperties } from 'n8n-workflow';
import { defaultCountryProperty, overrideFieldsProperty, valueFromProperty } from '../shared/destination-node';

export const snapchatConversionsProperties: INodeProperties[] = [
	{
		displayName:
			'Connect the Purchase, Lead or Other Event output of a Conversion Funnel: nothing to map. Click Tracker clicks are not sent (Snapchat takes conversions only). Each item leaves on Sent or Failed with what Snapchat said under "forward".',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Pixel ID',
		name: 'pixelId',
		type: 'string',
		default: '',
		required: true,
		placeholder: '1ec32188-754e-4be2-8e55-c949a984a39f',
		description: 'The Snap Pixel the events belong to (Snapchat Ads Manager → Events Manager)',
	},
	{
		displayName: 'Validate Only',
		name: 'validateOnly',
		type: 'boolean',
		default: false,
		description:
			"Whether to send the events to Snapchat's Test Event Tool (events/validate) instead: Snapchat checks them and shows them in Events Manager, but they do not count for campaigns. Turn off in production.",
	},
	{
		displayName: 'Action Source',
		name: 'actionSource',
		type: 'options',
		options: [
			{
				name: 'Offline',
				value: 'OFFLINE',
				description: 'Conversions that happened offline (no web page needed)',
			},
			{
				name: 'Web',
				value: 'WEB',
				description: 'Conversions on a website (affiliate sites and landing pages)',
			},
		],
		default: 'WEB',
		description: "Where the conversions happened, as Snapchat's action_source",
	},
	{
		displayName: 'Event Source URL',
		name: 'eventSourceUrl',
		type: 'string',
		default: '',
		placeholder: 'https://deals.example.com/',
		description:
			'The page sent as event_source_url when the matched click has no landing page. Snapchat requires one for web events: without either, the conversion is not sent.',
	},
	valueFromProperty,
	defaultCountryProperty('Snapchat', 'digits with the country code, without +'),
	overrideFieldsProperty({
		platformName: 'Snapchat',
		eventNameExample: 'PURCHASE, SIGN_UP, CUSTOM_EVENT_1…',
		clickId: {
			displayName: 'Snapchat Click ID',
			description: 'The ScCid of the ad click, sent as sc_click_id as is',
		},
		timeUnit: 'Unix seconds',
	}),
];
