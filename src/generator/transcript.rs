//! ASR-style transcripts of answered calls, assembled from phrase banks.
//!
//! Ordinary transcripts contain none of the planted phrases; a planted one carries exactly
//! one, so a scan can be checked call by call against `truth.json`. Some ordinary text has
//! full-width letters and digits, as ASR output does, to exercise width folding.

use rand::Rng;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::schedule::Outcome;

/// Phrases a compliance scan must find: advertising-law absolute terms, guaranteed-return
/// promises and debt-collection threats. Some are written full-width, as ASR emits them.
pub const SENSITIVE_PHRASES: [&str; 10] = [
    "稳赚不赔",
    "保证收益",
    "全网最低价",
    "国家级产品",
    "１００％有效",
    "零风险",
    "第一品牌",
    "不还钱就上门",
    "通知你家人和单位",
    "最后一次机会",
];

const GREETINGS: [&str; 5] = [
    "坐席:您好,我是星辰服务中心的客服小王,请问是机主本人吗?",
    "坐席:您好,这里是会员服务热线,耽误您一分钟时间可以吗?",
    "坐席:喂您好,我这边是您办理业务的客服专员。",
    "坐席:您好,打扰了,我们这边有一个老客户专属活动想跟您介绍一下。",
    "坐席:您好,请问现在方便接听电话吗?",
];

const PITCHES: [&str; 6] = [
    "坐席:我们本月针对老用户推出了话费套餐升级,每月多送二十G流量。",
    "坐席:您之前咨询过的课程现在有试听名额,可以免费体验两节课。",
    "坐席:您的账户符合ＶＩＰ会员升级条件,升级后享受专属客服。",
    "坐席:现在办理可以享受首年八折优惠,具体以合同为准。",
    "坐席:我们新推出的理财产品期限灵活,收益以实际披露为准。",
    "坐席:您的信用卡账单已逾期,请您尽快安排还款以免影响征信。",
];

const CUSTOMER_REPLIES_SUCCESS: [&str; 4] = [
    "客户:听起来不错,那就帮我办理一下吧。",
    "客户:好的,价格合适的话我就要了。",
    "客户:可以,你把链接发我手机上。",
    "客户:行,按你说的那个方案来。",
];
const CUSTOMER_REPLIES_CALLBACK: [&str; 4] = [
    "客户:我现在在开会,你明天下午再打过来吧。",
    "客户:我考虑一下,过两天你再联系我。",
    "客户:这个我要跟家里人商量一下,晚点再说。",
    "客户:你先加我微信,回头我再详细了解。",
];
const CUSTOMER_REPLIES_REFUSED: [&str; 4] = [
    "客户:不需要,谢谢。",
    "客户:我没兴趣,以后别打了。",
    "客户:已经有了,不用了。",
    "客户:太贵了,算了吧。",
];
const CUSTOMER_REPLIES_NONE: [&str; 4] = [
    "客户:嗯,你说。",
    "客户:什么活动?",
    "客户:我不太清楚,你是哪里?",
    "客户:喂?听不清楚。",
];

const CLOSINGS: [&str; 4] = [
    "坐席:好的,感谢您的接听,祝您生活愉快,再见。",
    "坐席:好的,稍后会有短信发送到您的手机,请注意查收。",
    "坐席:明白了,打扰您了,再见。",
    "坐席:好的,那我们这边给您备注一下,再见。",
];

/// Appends a transcript to `out`; with `sensitive`, one planted phrase is woven into the
/// agent's pitch and returned.
pub fn write_transcript(
    rng: &mut Xoshiro256PlusPlus,
    outcome: Outcome,
    sensitive: bool,
    out: &mut String,
) -> Option<&'static str> {
    out.push_str(pick(rng, &GREETINGS));
    out.push_str("客户:嗯,是我。");
    out.push_str(pick(rng, &PITCHES));
    let planted = sensitive.then(|| {
        let phrase = pick(rng, &SENSITIVE_PHRASES);
        out.push_str("坐席:跟您说实话,");
        out.push_str(phrase);
        out.push_str(",您放心。");
        phrase
    });
    let replies: &[&str] = match outcome {
        Outcome::Success => &CUSTOMER_REPLIES_SUCCESS,
        Outcome::Callback => &CUSTOMER_REPLIES_CALLBACK,
        Outcome::Refused => &CUSTOMER_REPLIES_REFUSED,
        Outcome::None => &CUSTOMER_REPLIES_NONE,
    };
    out.push_str(pick(rng, replies));
    if rng.random_bool(0.5) {
        out.push_str(pick(rng, &PITCHES));
        out.push_str(pick(rng, replies));
    }
    out.push_str(pick(rng, &CLOSINGS));
    planted
}

fn pick<'a>(rng: &mut Xoshiro256PlusPlus, bank: &[&'a str]) -> &'a str {
    bank[rng.random_range(0..bank.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_phrase_banks_contain_no_planted_phrase() {
        let banks: [&[&str]; 8] = [
            &GREETINGS,
            &PITCHES,
            &CUSTOMER_REPLIES_SUCCESS,
            &CUSTOMER_REPLIES_CALLBACK,
            &CUSTOMER_REPLIES_REFUSED,
            &CUSTOMER_REPLIES_NONE,
            &CLOSINGS,
            &["客户:嗯,是我。", "坐席:跟您说实话,", ",您放心。"],
        ];
        for bank in banks {
            for text in bank {
                for phrase in SENSITIVE_PHRASES {
                    assert!(!text.contains(phrase), "{text:?} contains {phrase:?}");
                }
            }
        }
    }
}
