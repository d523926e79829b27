import type { INodeProperties } from 'n8n-workflow';
import { defaultCountryProperty, overrideFieldsProperty, valueFromProperty } from '../shared/destination-node';

export const tikTokEventsProperties: INodeProperties[] = [
	{
		displayName:
			'Connect the Purchase, Lead or Other Event output of a Conversion Funnel: nothing to map. Click Tracker clicks are sent as an OutboundClick event. Each item leaves on Sent or Failed with what TikTok said under "forward".',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Pixel Code',
		name: 'pixelCode',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'C4ABCDEFGHIJ1234567',
		description: 'The pixel (event source ID) in TikTok Events Manager that the events belong to',
	},
	{
		displayName: 'Test Event Code',
		name: 'testEventCode',
		type: 'string',
		default: '',
		placeholder: 'TEST12345',
		description:
			'From Events Manager → the pixel → Test Events. While set, the events only show up under Test Events and do not count for campaigns. Leave empty in production.',
	},
	{
		displayName: 'Event Source',
		name: 'eventSource',
		type: 'options',
		options: [
			{
				name: 'Web',
				value: 'web',
				description: 'A website pixel (affiliate sites and landing pages)',
			},
			{ name: 'App', value: 'app', description: 'A mobile app' },
			{
				name: 'Offline',
				value: 'offline',
				description: 'Offline events; TikTok refuses them after 28 days',
			},
			{
				name: 'CRM',
				value: 'crm',
				description: 'CRM events; TikTok refuses them after 28 days',
			},
		],
		default: 'web',
	},
	valueFromProperty,
	defaultCountryProperty('TikTok', 'them in E.164, with +'),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Click Event Name',
				name: 'clickEventName',
				type: 'string',
				default: 'OutboundClick',
				description: 'The TikTok event for Click Tracker clicks. Custom names are case-sensitive.',
			},
		],
	},
	overrideFieldsProperty({
		platformName: 'TikTok',
		eventNameExample: 'CompletePayment, Lead, CompleteRegistration… or a custom name; custom names are case-sensitive',
		clickId: {
			displayName: 'TikTok Click ID',
			description: 'The ttclid of the ad click, sent as is',
			name: 'ttclid',
		},
		timeUnit: 'Unix seconds',
	}),
];
