package handlers

import "net/http"

// scheduleOps are recurring campaigns and the accounts' quiet hours.
func scheduleOps() []apiOp {
	const tag = "recurring"
	action := func(verb, summary string) apiOp {
		return apiOp{Method: http.MethodPost, Path: "/api/v1/recurring/:id/" + verb, Tag: tag, Summary: summary,
			Description: "409 once the definition has ended.",
			Answer:      apiRecurring{}, Errors: []int{http.StatusNotFound, http.StatusConflict}}
	}
	return []apiOp{
		{Method: http.MethodGet, Path: "/api/v1/recurring", Tag: tag, Summary: "List recurring campaigns, newest first",
			Query:  []apiParam{limitParam(), afterParam("a recurring campaign id")},
			Answer: docPage[apiRecurring, int64]{}, Errors: []int{http.StatusUnprocessableEntity}},
		{Method: http.MethodPost, Path: "/api/v1/recurring", Tag: tag, Summary: "Make a campaign repeat",
			Description: "A campaign body (schedule_at ignored) with repeat: every daily, weekly, monthly or cron, at HH:MM, days, day, " +
				"cron (five fields, at least 5 minutes apart), timezone, until, count. A listed audience holds at most 1,000 values. " +
				"Each run is its own campaign; slots missed while the server was down start one run at start-up.",
			Body: apiRecurringBody{}, BodyRequired: []string{"name", "provider_id", "audience", "message", "repeat"},
			OK: http.StatusCreated, Answer: apiRecurring{}, Errors: []int{http.StatusUnprocessableEntity}},
		{Method: http.MethodGet, Path: "/api/v1/recurring/:id", Tag: tag, Summary: "One recurring campaign with its latest runs and next run",
			Answer: apiRecurring{}, Errors: []int{http.StatusNotFound}},
		action("pause", "Stop future runs (runs under way go on)"),
		action("resume", "Resume at the next slot after now"),
		action("end", "End for good; the runs stay"),
		{Method: http.MethodDelete, Path: "/api/v1/recurring/:id", Tag: tag, Summary: "Delete a recurring campaign; its runs stay",
			OK: http.StatusNoContent, Errors: []int{http.StatusNotFound}},
		{Method: http.MethodGet, Path: "/api/v1/providers/:id/quiet-hours", Tag: "providers", Summary: "An account's quiet hours",
			Answer: apiQuiet{}, Errors: []int{http.StatusNotFound}},
		{Method: http.MethodPut, Path: "/api/v1/providers/:id/quiet-hours", Tag: "providers", Summary: "Set an account's quiet hours",
			Description: "HH:MM in each recipient's zone; marketing campaigns wait out the window. Two empty strings clear it.",
			Body:        apiQuiet{}, BodyRequired: []string{"start", "end"},
			Answer: apiQuiet{}, Errors: []int{http.StatusNotFound, http.StatusUnprocessableEntity}},
	}
}
