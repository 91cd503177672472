"""What users and schedules do, over flows, connectors and mappings: thin views call these."""
