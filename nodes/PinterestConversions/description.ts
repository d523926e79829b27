import type { INodeProperties } from 'n8n-workflow';
import { defaultCountryProperty, overrideFieldsProperty, valueFromProperty } from '../shared/destination-node';

export const pinterestConversionsProperties: INodeProperties[] = [
	{
		displayName:
			'Connect the Purchase, Lead or Other Event output of a Conversion Funnel: nothing to map. Pinterest takes conversions only: clicks and reversals leave on Failed with the code not_a_conversion. Each item leaves on Sent or Failed with what Pinterest said under "forward".',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Ad Account ID',
		name: 'adAccountId',
		type: 'string',
		default: '',
		required: true,
		placeholder: '549755885175',
		description: 'The numeric ID of the Pinterest ad account the conversions belong to (Ads Manager shows it in the account menu and in the URL)',
	},
	{
		displayName: 'Test Mode',
		name: 'testMode',
		type: 'boolean',
		default: false,
		description: 'Whether to send the events with ?test=true: Pinterest checks them and answers as usual but records nothing. Turn off in production.',
	},
	{
		displayName: 'Action Source',
		name: 'actionSource',
		type: 'options',
		options: [
			{
				name: 'Offline',
				value: 'offline',
				description: 'Conversions that did not happen on a website',
			},
			{
				name: 'Web',
				value: 'web',
				description: 'A website conversion (affiliate sites and landing pages)',
			},
		],
		default: 'web',
		description: 'Where the conversions happened, sent as action_source',
	},
	valueFromProperty,
	defaultCountryProperty('Pinterest', 'them as digits with the country code, without +'),
	overrideFieldsProperty({
		platformName: 'Pinterest',
		eventNameExample: 'checkout, lead, signup, custom…',
		clickId: {
			displayName: 'Pinterest Click ID',
			description: 'The epik of the ad click (the epik URL parameter or _epik cookie), sent as is',
		},
		timeUnit: 'Unix seconds; at most 7 days old',
	}),
];
