from . import agency_demo, agency_service_type, res_company, res_config_settings
