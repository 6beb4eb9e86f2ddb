package main

func init() {
	features = append(features, feature{
		name:     "lending",
		register: func(a *app) error { return nil },
	})
}
