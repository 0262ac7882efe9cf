namespace ck::http {}
