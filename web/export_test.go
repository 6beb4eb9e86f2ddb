package web

import "time"

// DriveInboxTicks makes every inbox event stream of s tick when the test
// sends on ticks, instead of every second of real time.
func (s *Server) DriveInboxTicks(ticks <-chan time.Time) {
	s.inboxTicks = func() (<-chan time.Time, func()) { return ticks, func() {} }
}
