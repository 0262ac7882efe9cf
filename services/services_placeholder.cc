namespace ck::services {}
