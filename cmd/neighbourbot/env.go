package main

// envOverrides lists the secrets the environment may override. Each
// feature adds its own keys here.
func envOverrides(cfg *Config) []envOverride {
	return []envOverride{
		{env: "NEIGHBOURBOT_POWER_FEED_KEY", key: "power.feed_key", target: &cfg.Power.FeedKey},
		{env: "NEIGHBOURBOT_NOTICES_WEBHOOK_TOKEN", key: "notices.webhook.token", target: &cfg.Notices.Webhook.Token},
		{env: "NEIGHBOURBOT_NOTICES_RESULTS_SECRET", key: "notices.results_secret", target: &cfg.Notices.ResultsSecret},
		{env: "NEIGHBOURBOT_POTHOLES_API_KEY", key: "potholes.api_key", target: &cfg.Potholes.APIKey},
		{env: "NEIGHBOURBOT_POTHOLES_SMTP_PASSWORD", key: "potholes.email.password", target: &cfg.Potholes.Email.Password},
		{env: "NEIGHBOURBOT_POTHOLES_SMTP_PASSWORD_FILE", key: "potholes.email.password_file", target: &cfg.Potholes.Email.PasswordFile},
	}
}
