package lending

import "time"

// ms and fromMS read and write raw millisecond columns in the tests (the
// jobs table); the feature itself uses bot/sqlkit.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }
