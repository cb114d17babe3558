package wecom

// Wire types of message/send. Which optional fields a
// msgtype takes follows the doc's per-type examples: text takes safe and
// enable_id_trans; textcard and news take enable_id_trans but not safe (news
// with safe is errcode 40074); markdown takes neither. The pointers make
// encoding/json leave out what a type does not take.
type sendRequest struct {
	ToUser   string        `json:"touser,omitempty"`
	ToParty  string        `json:"toparty,omitempty"`
	ToTag    string        `json:"totag,omitempty"`
	MsgType  string        `json:"msgtype"`
	AgentID  int64         `json:"agentid"`
	Text     *contentBody  `json:"text,omitempty"`
	TextCard *textCardBody `json:"textcard,omitempty"`
	Markdown *contentBody  `json:"markdown,omitempty"`
	News     *newsBody     `json:"news,omitempty"`
	Safe     *int          `json:"safe,omitempty"`
	IDTrans  *int          `json:"enable_id_trans,omitempty"`
	DupCheck int           `json:"enable_duplicate_check"`
	DupSecs  int           `json:"duplicate_check_interval"`
}

// contentBody is the text and markdown object.
type contentBody struct {
	Content string `json:"content"`
}

// textCardBody is the textcard object.
type textCardBody struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	BtnTxt      string `json:"btntxt,omitempty"`
}

// newsBody is the news object.
type newsBody struct {
	Articles []newsArticle `json:"articles"`
}

type newsArticle struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url"`
	PicURL      string `json:"picurl,omitempty"`
}

// sendResponse is message/send's answer. Partial failures still carry
// errcode 0 with the invalid recipients joined by "|"; userids in it are
// lower-cased by WeCom.
type sendResponse struct {
	envelope
	InvalidUser    string `json:"invaliduser"`
	InvalidParty   string `json:"invalidparty"`
	InvalidTag     string `json:"invalidtag"`
	UnlicensedUser string `json:"unlicenseduser"`
	MsgID          string `json:"msgid"`
	ResponseCode   string `json:"response_code"`
}
