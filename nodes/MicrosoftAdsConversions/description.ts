import type { INodeProperties } from 'n8n-workflow';
import { defaultCountryProperty, overrideFieldsProperty, valueFromProperty } from '../shared/destination-node';

export const microsoftAdsConversionsProperties: INodeProperties[] = [
	{
		displayName:
			'Connect the Purchase, Lead or Other Event output of a Conversion Funnel: nothing to map. Conversions go to Microsoft as UET custom events with the msclkid of the matched click. Each item leaves on Sent or Failed with what Microsoft said under "forward".',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'UET Tag ID',
		name: 'tagId',
		type: 'string',
		default: '',
		required: true,
		placeholder: '187654321',
		description: 'The UET tag the conversions belong to (Microsoft Advertising → Tools → UET tag); its conversion goals count them',
	},
	valueFromProperty,
	defaultCountryProperty('Microsoft', 'them in E.164, with +'),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Ad Storage Consent',
				name: 'adStorageConsent',
				type: 'options',
				options: [
					{
						name: 'Denied',
						value: 'D',
						description: 'Microsoft will not use the events for attribution or remarketing',
					},
					{ name: 'Granted', value: 'G' },
				],
				default: 'G',
				description: 'The consent sent with every event. Left out, Microsoft treats events as granted.',
			},
		],
	},
	overrideFieldsProperty({
		platformName: 'Microsoft',
		eventNameExample: 'purchase, generate_lead, sign_up… the event action your conversion goal matches',
		clickId: {
			displayName: 'Microsoft Click ID',
			description: 'The msclkid of the ad click, sent as is',
		},
		timeUnit: 'Unix seconds',
	}),
];
