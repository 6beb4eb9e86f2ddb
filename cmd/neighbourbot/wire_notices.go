package main

func init() {
	features = append(features, feature{
		name:     "notices",
		register: func(a *app) error { return nil },
	})
}
