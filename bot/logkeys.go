package bot

// Log attribute keys, so every log line names the same thing the same way
// and log queries can rely on them.
const (
	KeyChat    = "chat"
	KeyMsg     = "msg"
	KeyJob     = "job"
	KeyKind    = "kind"
	KeyFeature = "feature"
	KeyCommand = "command"
	KeyErr     = "err"
	// KeyProvider names the feature whose personal data a step concerns
	// (a retention purge, a !forgetme erasure), beside the feature key of
	// the feature doing it.
	KeyProvider = "provider"
)
