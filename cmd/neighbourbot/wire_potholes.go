package main

func init() {
	features = append(features, feature{
		name:     "potholes",
		register: func(a *app) error { return nil },
	})
}
