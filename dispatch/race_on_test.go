//go:build race

package dispatch

// raceDetector reports whether the tests run with -race, under which the
// 10,000-device personalized sends scale down.
const raceDetector = true
