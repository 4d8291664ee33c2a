-- Macros every DuckDB counterpart may use (bench/run.py runs this file first).
--
-- quintile_score written out, from a value's rank() among n non-NULL values in the
-- direction scored: a run of equal values takes the NTILE(5) bucket of its first row,
-- and with n values the first n % 5 buckets hold n // 5 + 1 rows and the others n // 5.
CREATE MACRO quintile_of_rank(position, n) AS
    CASE WHEN position <= (n % 5) * (n // 5 + 1) THEN (position - 1) // (n // 5 + 1) + 1
         ELSE n % 5 + (position - 1 - (n % 5) * (n // 5 + 1)) // (n // 5) + 1 END;

-- The compliance functions, approximated for compliance_audit.
--
-- fold_text: full-width ASCII (U+FF01–FF5E, U+3000) to half-width, Latin letters to lower
-- case, as the lexicon matches.
CREATE MACRO fold_text(t) AS lower(translate(t, '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　', '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~ '));
-- callsql's default lexicon (udfs/src/compliance/default_lexicon.txt), in its order.
CREATE MACRO lexicon() AS ['国家级', '最高级', '最佳', '第一品牌', '全国第一', '销量第一', '全网最低价', '最低价', '独一无二', '史无前例', '顶级', '万能', 'NO.1', 'TOP1', '100%有效', '根治', '无效退款', '保本', '保收益', '保证收益', '保本保息', '稳赚', '稳赚不赔', '只赚不赔', '包赚', '零风险', '无风险', '不还钱就上门', '上门催收', '通知你家人', '通知你家人和单位', '通知你单位', '爆通讯录', '曝光你', '让你坐牢', '起诉你全家', '最后一次机会', '仅限今天', '错过再等一年'];
-- is_compliant: no lexicon term in the folded text (one RE2 alternation, linear time).
CREATE MACRO is_compliant(t) AS NOT regexp_matches(fold_text(t), '国家级|最高级|最佳|第一品牌|全国第一|销量第一|全网最低价|最低价|独一无二|史无前例|顶级|万能|no\.1|top1|100%有效|根治|无效退款|保本|保收益|保证收益|保本保息|稳赚|稳赚不赔|只赚不赔|包赚|零风险|无风险|不还钱就上门|上门催收|通知你家人|通知你家人和单位|通知你单位|爆通讯录|曝光你|让你坐牢|起诉你全家|最后一次机会|仅限今天|错过再等一年');
-- sensitive_hits: each term the text contains, ordered by its first occurrence and, at one
-- position, longer terms first.
CREATE MACRO sensitive_hits(t) AS list_transform(
    list_sort(list_filter(
        list_transform(lexicon(), lambda term: {'at': strpos(fold_text(t), fold_text(term)), 'shorter': -length(term), 'term': term}),
        lambda hit: hit.at > 0)),
    lambda hit: hit.term);
-- normalize_phone, weaker than libphonenumber: a mobile is any 11 digits starting 13–19
-- (libphonenumber also refuses unallocated blocks such as 1400x) after spaces, dashes,
-- dots, brackets and a +86 / 0086 / 86 prefix are dropped; a landline only in the 010 and
-- 02x areas with 8 digits; anything else NULL.
CREATE MACRO phone_digits(phone) AS regexp_replace(translate(phone, '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　', '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~ '), '[\s\-.()]', '', 'g');
CREATE MACRO normalize_phone(phone) AS CASE
    WHEN regexp_matches(phone_digits(phone), '^(\+86|0086|86)?1[3-9][0-9]{9}$')
        THEN '+86' || right(phone_digits(phone), 11)
    WHEN regexp_matches(phone_digits(phone), '^(\+86|0086)?0(10|2[0-9])[0-9]{8}$')
        THEN '+86' || regexp_extract(phone_digits(phone), '0((10|2[0-9])[0-9]{8})$', 1)
END;
-- mask_phone of a mainland mobile in E.164: first 3 and last 4 of its 11 digits.
CREATE MACRO mask_cn_mobile(e164) AS substr(e164, 4, 3) || '****' || right(e164, 4);
-- A timestamp as Arrow writes it in text: RFC 3339 in UTC, milliseconds only when not zero.
CREATE MACRO arrow_text(ts) AS strftime(timezone('UTC', ts), '%Y-%m-%dT%H:%M:%S')
    || CASE WHEN epoch_ms(ts) % 1000 = 0 THEN '' ELSE '.' || lpad(CAST(epoch_ms(ts) % 1000 AS VARCHAR), 3, '0') END
    || 'Z';
