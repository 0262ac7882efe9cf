namespace ck::storage {}
