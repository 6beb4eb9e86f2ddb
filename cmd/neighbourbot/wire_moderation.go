package main

func init() {
	features = append(features, feature{
		name:     "moderation",
		register: func(a *app) error { return nil },
	})
}
