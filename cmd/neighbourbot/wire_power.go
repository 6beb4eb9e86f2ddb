package main

func init() {
	features = append(features, feature{
		name:     "power",
		register: func(a *app) error { return nil },
	})
}
