import type { INodeProperties } from 'n8n-workflow';

export const metaConversionsProperties: INodeProperties[] = [
	{
		displayName:
			'Connect the Lead, Purchase or Other Event outputs of the Conversion Funnel (no mapping needed), or the Clicks output of the Click Tracker to send each click as an OutboundClick event. Every input item leaves on Sent or Failed with a "forward" field saying what happened.',
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
		placeholder: '1234567890123456',
		description: 'The pixel (dataset) ID from Events Manager',
	},
	{
		displayName: 'Action Source',
		name: 'actionSource',
		type: 'options',
		options: [
			{
				name: 'App',
				value: 'app',
			},
			{
				name: 'Business Messaging',
				value: 'business_messaging',
			},
			{
				name: 'Chat',
				value: 'chat',
			},
			{
				name: 'Email',
				value: 'email',
			},
			{
				name: 'Other',
				value: 'other',
			},
			{
				name: 'Phone Call',
				value: 'phone_call',
			},
			{
				name: 'Physical Store',
				value: 'physical_store',
			},
			{
				name: 'System Generated',
				value: 'system_generated',
				description: 'For conversions reported by the network without the visitor’s browser data',
			},
			{
				name: 'Website',
				value: 'website',
				description:
					'The visitor clicked on your site. Meta then requires the user agent and the page URL, which come from the Click Tracker’s click; conversions without them are not sent (see Failed).',
			},
		],
		default: 'website',
		description: 'Where the conversion happened, as Meta classifies it',
	},
	{
		displayName: 'Value From',
		name: 'valueFrom',
		type: 'options',
		options: [
			{
				name: 'Commission',
				value: 'commission',
				description: 'Your commission: the revenue the ad earned you',
			},
			{
				name: 'Sale Amount',
				value: 'amount',
				description: 'What the customer paid the merchant',
			},
		],
		default: 'commission',
		description: 'Which amount Meta receives as the conversion value. Purchase events need one.',
	},
	{
		displayName: 'Test Event Code',
		name: 'testEventCode',
		type: 'string',
		default: '',
		placeholder: 'TEST12345',
		description: 'From Events Manager → Test Events. While set, events appear there and are not used for ads. Clear it to go live.',
	},
	{
		displayName: 'Override Fields',
		name: 'fields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		description: 'Values to send instead of the ones on the item; use expressions to take them from elsewhere',
		options: [
			{
				displayName: 'Currency',
				name: 'currency',
				type: 'string',
				default: '',
				placeholder: 'USD',
				description: 'ISO 4217 code of the value',
			},
			{
				displayName: 'Email',
				name: 'email',
				type: 'string',
				placeholder: 'name@email.com',
				default: '',
				description: 'The customer’s email, plain or already SHA-256 hashed (it is hashed here when plain)',
			},
			{
				displayName: 'Event Source URL',
				name: 'eventSourceUrl',
				type: 'string',
				default: '',
				placeholder: 'https://blog.example.com/review',
				description: 'The page where the visitor clicked (defaults to the click’s landing page)',
			},
			{
				displayName: 'External ID',
				name: 'externalId',
				type: 'string',
				default: '',
				description: 'Your own ID for the customer, plain or already hashed',
			},
			{
				displayName: 'Phone',
				name: 'phone',
				type: 'string',
				default: '',
				description: 'The customer’s phone number with country code (or set Default Country)',
			},
			{
				displayName: 'Value',
				name: 'value',
				type: 'string',
				default: '',
				placeholder: '39.50',
				description: 'The conversion value as a decimal number, instead of the commission or sale amount',
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
				displayName: 'Click Event Name',
				name: 'clickEventName',
				type: 'string',
				default: 'OutboundClick',
				description: 'The custom event Click Tracker clicks are sent as',
			},
			{
				displayName: 'Default Country',
				name: 'defaultCountry',
				type: 'string',
				default: '',
				placeholder: 'US',
				description: 'Two-letter country code for phone numbers written without a country code',
			},
			{
				displayName: 'Event Name',
				name: 'eventName',
				type: 'string',
				default: '',
				placeholder: 'Purchase',
				description: 'Sends every item as this Meta event instead of the one the Conversion Funnel mapped (Purchase, Lead, …)',
			},
		],
	},
];
