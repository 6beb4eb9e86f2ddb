package main

// envOverrides lists the secrets the environment may override. Each
// feature adds its own keys here.
func envOverrides(cfg *Config) []envOverride {
	return []envOverride{
		{env: "NEIGHBOURBOT_POWER_FEED_KEY", target: &cfg.Power.FeedKey},
		{env: "NEIGHBOURBOT_NOTICES_WEBHOOK_TOKEN", target: &cfg.Notices.Webhook.Token},
		{env: "NEIGHBOURBOT_NOTICES_RESULTS_SECRET", target: &cfg.Notices.ResultsSecret},
		{env: "NEIGHBOURBOT_POTHOLES_API_KEY", target: &cfg.Potholes.APIKey},
		{env: "NEIGHBOURBOT_POTHOLES_SMTP_PASSWORD", target: &cfg.Potholes.Email.Password},
		{env: "NEIGHBOURBOT_POTHOLES_SMTP_PASSWORD_FILE", target: &cfg.Potholes.Email.PasswordFile},
	}
}
