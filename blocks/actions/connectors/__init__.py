"""Ready connectors for CRM and helpdesk moves (Zendesk, Freshdesk, HubSpot, Salesforce,
Pipedrive, Slack): typed forms that build the vendor's documented payload and call it
through action.http_request's guarded path (common.py)."""
