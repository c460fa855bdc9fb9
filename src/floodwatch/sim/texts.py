"""Text material of the simulator, Chinese and English: vocabulary, templates, claims, insults.

Pure data, no logic: `compose.py` turns it into posts. Everything is synthetic. Brands, towns and people in
the campaigns, rumors and pile-ons are invented (临江市, Riverton, 康福牌 ...), so no real company, place or
person is the subject of a fake claim or an insult. Insults are mild on purpose: enough for an abuse scorer
to find, nothing worth reading.

Templates use `str.format` fields. Slot names are looked up in `SLOTS_ZH` / `SLOTS_EN` (organic posts) or
filled by the campaign code (`{brand}`, `{product}`, `{contact}`, `{hashtag}`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

ZH = "zh"
EN = "en"

EMOJI = ("😂", "👍", "🙏", "❤️", "😭", "🔥", "👏", "😅", "🤔", "😊", "🎉", "💪", "🙄", "😍", "✨", "🌸")
WEIBO_EMOTICONS = ("[哈哈]", "[心]", "[赞]", "[泪]", "[doge]", "[允悲]", "[抱抱]", "[笑cry]")

# --- organic posts -------------------------------------------------------------------------------------------

SLOTS_ZH: dict[str, tuple[str, ...]] = {
    "city": (
        "北京",
        "上海",
        "广州",
        "深圳",
        "成都",
        "杭州",
        "重庆",
        "武汉",
        "西安",
        "南京",
        "长沙",
        "厦门",
        "青岛",
        "苏州",
        "昆明",
        "大连",
        "天津",
        "郑州",
        "沈阳",
        "合肥",
    ),
    "food": (
        "火锅",
        "奶茶",
        "烧烤",
        "螺蛳粉",
        "小龙虾",
        "煎饼果子",
        "麻辣烫",
        "咖啡",
        "饺子",
        "牛肉面",
        "烤鸭",
        "肠粉",
        "凉皮",
        "酸菜鱼",
        "生煎",
        "热干面",
        "冰淇淋",
        "蛋糕",
        "炸鸡",
        "寿司",
    ),
    "drink": ("奶茶", "美式", "拿铁", "柠檬茶", "酸梅汤", "椰子水", "豆浆", "果茶"),
    "thing": ("手机", "耳机", "电脑", "键盘", "自行车", "相机", "平板", "手表", "台灯", "电饭煲", "吹风机", "书包"),
    "place": (
        "公园",
        "图书馆",
        "商场",
        "地铁站",
        "健身房",
        "海边",
        "古镇",
        "菜市场",
        "博物馆",
        "咖啡馆",
        "夜市",
        "书店",
        "江边",
        "山顶",
        "游乐园",
    ),
    "weather": ("下雨", "降温", "刮大风", "出太阳", "闷热", "下雪", "起雾", "回南天"),
    "time": ("早上", "中午", "下午", "晚上", "凌晨", "周末", "今天", "昨天"),
    "pet": ("猫", "狗", "仓鼠", "兔子", "鹦鹉", "金鱼", "柯基", "橘猫"),
    "activity": (
        "跑步",
        "加班",
        "考研",
        "健身",
        "追剧",
        "打游戏",
        "学英语",
        "做饭",
        "画画",
        "练琴",
        "减肥",
        "早起",
        "背单词",
        "写论文",
        "练字",
    ),
    "feel": ("开心", "累", "无语", "感动", "困", "焦虑", "满足", "崩溃", "治愈", "emo"),
    "show": ("新剧", "综艺", "电影", "纪录片", "动漫", "悬疑剧", "古装剧", "脱口秀"),
    "person": ("室友", "同事", "老妈", "老爸", "闺蜜", "男朋友", "女朋友", "老板", "邻居", "同桌"),
    "n": tuple(str(n) for n in (2, 3, 5, 7, 8, 10, 12, 15, 20, 25, 30, 40, 45, 50, 60, 90, 100)),
}

TEMPLATES_ZH = (
    "{time}去{place}逛了一圈，人好多",
    "{city}今天{weather}了，出门记得带伞",
    "终于吃到了{city}的{food}，排队排了{n}分钟",
    "新买的{thing}用了{n}天，感觉还行",
    "家里的{pet}今天又拆家了",
    "{activity}第{n}天，坚持就是胜利",
    "今天{activity}到{time}，好{feel}",
    "有没有人推荐一下{city}好吃的{food}店",
    "{show}第{n}集看哭了",
    "周末打算去{city}玩，求攻略",
    "{food}配{drink}，快乐加倍",
    "地铁上看到一只{pet}，太可爱了",
    "{thing}坏了，修一下要{n}百块，心疼",
    "刚刚在{place}遇到了老同学",
    "今天的晚霞也太好看了吧",
    "天天{activity}，感觉身体被掏空",
    "下班路上买了杯{drink}，续命",
    "{city}的春天终于来了",
    "考试还剩{n}天，复习不完了",
    "{person}做的{food}绝了",
    "和{person}吵架了，好{feel}",
    "{person}送了我一个{thing}，开心",
    "{time}的{place}好安静",
    "第一次尝试自己做{food}，居然成功了",
    "有人一起{activity}吗",
    "一个人在{city}的第{n}天",
    "看完{show}整个人都{feel}了",
    "{city}的{food}和别的地方真不一样",
    "今天又是被{activity}支配的一天",
    "{pet}睡觉的样子太治愈了",
    "终于把{thing}换掉了",
    "{time}在{place}拍的照片",
    "刚看完一部{show}，推荐给大家",
    "谁懂啊，{time}{weather}还要出门",
    "{activity}打卡，今天也没有偷懒",
    "这周的{food}预算已经超了",
    "{place}门口新开了一家{food}店",
    "{person}说我{activity}的样子很认真",
    "想念{city}的{food}",
    "今天心情：{feel}",
    "{n}块钱的{food}，性价比很高",
    "为了{activity}特意买了新{thing}",
    "{time}醒来发现{weather}了",
    "带{pet}去{place}散步",
    "收拾房间翻出了旧{thing}，全是回忆",
    "明天要去{city}出差，有什么推荐吗",
    "又是一个{activity}到{time}的日子",
    "{show}的配乐太好听了",
    "{city}{time}的地铁真的挤",
    "{food}永远的神",
)

CONNECTORS_ZH = ("，", "。", "！", "～", " ", "…")
OPENERS_ZH = (
    "",
    "",
    "",
    "",
    "",
    "说真的，",
    "家人们，",
    "救命，",
    "笑死，",
    "讲真，",
    "唉，",
    "emmm，",
    "不得不说，",
    "突然想说，",
    "分享一下：",
    "啊啊啊，",
)
CLOSERS_ZH = (
    "",
    "",
    "",
    "。",
    "！",
    "～",
    "…",
    "哈哈哈",
    "有人懂吗",
    "大家觉得呢？",
    "绝了",
    "yyds",
    "冲",
    "真的会谢",
    "好耶",
)

SLOTS_EN: dict[str, tuple[str, ...]] = {
    "city": (
        "Chicago",
        "Boston",
        "Seattle",
        "Austin",
        "Denver",
        "Toronto",
        "London",
        "Dublin",
        "Sydney",
        "Portland",
        "Atlanta",
        "Manchester",
        "Melbourne",
        "Vancouver",
        "Phoenix",
    ),
    "food": (
        "tacos",
        "ramen",
        "pizza",
        "pho",
        "bagels",
        "curry",
        "dumplings",
        "burgers",
        "pancakes",
        "sushi",
        "bbq",
        "falafel",
        "noodles",
        "cheesecake",
    ),
    "drink": ("coffee", "cold brew", "matcha", "iced tea", "lemonade", "hot chocolate", "kombucha"),
    "thing": ("laptop", "phone", "headphones", "bike", "camera", "keyboard", "backpack", "watch", "kettle"),
    "place": (
        "park",
        "library",
        "gym",
        "beach",
        "coffee shop",
        "farmers market",
        "museum",
        "bookstore",
        "trail",
        "train station",
    ),
    "weather": ("raining", "snowing", "freezing", "sunny", "windy", "foggy", "humid"),
    "time": ("this morning", "tonight", "this afternoon", "today", "yesterday", "this weekend", "at 2am"),
    "pet": ("cat", "dog", "puppy", "kitten", "parrot", "hamster", "rabbit"),
    "activity": (
        "running",
        "studying",
        "coding",
        "baking",
        "gardening",
        "reading",
        "painting",
        "climbing",
        "cycling",
        "journaling",
        "meal prepping",
        "learning Spanish",
    ),
    "feel": ("happy", "tired", "exhausted", "grateful", "confused", "stressed", "proud", "relaxed", "sleepy"),
    "show": ("show", "documentary", "movie", "series", "podcast", "anime", "stand-up special"),
    "person": ("roommate", "coworker", "mom", "dad", "best friend", "partner", "neighbor", "boss"),
    "n": tuple(str(n) for n in (2, 3, 4, 5, 6, 7, 10, 12, 15, 20, 30, 45, 50, 100)),
}

TEMPLATES_EN = (
    "Went to the {place} {time} and it was packed",
    "It's {weather} in {city} again, bring an umbrella",
    "Finally tried the {food} everyone in {city} talks about, waited {n} minutes",
    "Got a new {thing} {n} days ago, so far so good",
    "My {pet} destroyed the couch again",
    "Day {n} of {activity}, still going",
    "Been {activity} {time}, feeling {feel}",
    "Anyone know a good {food} place in {city}?",
    "Episode {n} of that {show} made me cry",
    "Heading to {city} this weekend, recommendations?",
    "{food} and {drink}, perfect combo",
    "Saw a {pet} on the train {time}, best thing ever",
    "My {thing} broke and the repair is ${n}0, ugh",
    "Ran into an old classmate at the {place}",
    "The sunset {time} was unreal",
    "Too much {activity} lately, I need a break",
    "Grabbed a {drink} on the way home",
    "Spring finally arrived in {city}",
    "{n} days until the exam and I'm not ready",
    "My {person} makes the best {food}",
    "My {person} gave me a {thing}, so sweet",
    "The {place} is so quiet {time}",
    "First time making {food} at home and it worked",
    "Anyone up for {activity} later?",
    "Finished a {show} {time}, highly recommend",
    "Why is it always {weather} when I have to go out",
    "{activity} check-in, didn't skip today",
    "Blew my {food} budget for the week",
    "A new {food} spot opened next to the {place}",
    "Miss the {food} in {city}",
    "Mood today: {feel}",
    "Bought a new {thing} just for {activity}",
    "Took my {pet} to the {place}",
    "Found my old {thing} while cleaning, so many memories",
    "Work trip to {city} tomorrow, what should I see?",
    "The soundtrack of that {show} is amazing",
    "{city} traffic {time} is no joke",
    "{food} never disappoints",
    "Spent {n} hours {activity} and regret nothing",
    "Can't believe it's already {weather} in {city}",
)

CONNECTORS_EN = (". ", "! ", ", ", " - ", "... ")
OPENERS_EN = (
    "",
    "",
    "",
    "",
    "",
    "Honestly? ",
    "Ok so. ",
    "lol. ",
    "Not gonna lie. ",
    "PSA: ",
    "Random thought: ",
    "Update: ",
    "Hot take: ",
)
CLOSERS_EN = ("", "", "", ".", "!", "!!", " lol", " haha", " ngl", " 🙃", " anyone else?", " thoughts?")

REPLIES_ZH = (
    "哈哈哈哈笑死",
    "说得太对了",
    "同意",
    "真的假的？",
    "蹲一个后续",
    "太真实了",
    "羡慕了",
    "学到了",
    "支持一下",
    "我也是！",
    "求链接",
    "前排",
    "好家伙",
    "确实",
    "第一次知道",
    "楼主说得有道理",
    "这也太离谱了",
    "加油！",
    "mark一下",
    "一模一样",
    "哈哈哈哈哈哈",
    "有被笑到",
    "我不信",
    "同款",
    "在哪里买的",
    "好看",
    "抱抱",
    "不敢相信",
    "绝绝子",
    "稳了",
)
REPLIES_EN = (
    "lol same",
    "This is so true",
    "Wait really?",
    "Following for updates",
    "Big if true",
    "Agreed",
    "Love this",
    "Thanks for sharing",
    "No way",
    "ok this made my day",
    "Exactly what I was thinking",
    "Source?",
    "Hmm not sure about that",
    "👀",
    "So relatable",
    "Where is this?",
    "Saving this",
    "Underrated post",
    "Couldn't agree more",
    "This is the way",
    "haha",
    "Facts",
)
REPOST_COMMENTS_ZH = (
    "",
    "",
    "转发微博",
    "转发微博",
    "转发",
    "mark",
    "哈哈哈",
    "说得好",
    "扩散",
    "有道理",
    "收藏了",
    "[赞]",
    "马住",
    "分享",
    "好看",
)
QUOTE_COMMENTS_EN = ("This.", "Worth a read", "Interesting", "lol", "Can confirm", "Wow", "Important thread")

TRENDING_ZH = (
    "春季穿搭",
    "周末去哪儿",
    "考研倒计时",
    "今天吃什么",
    "打工人日常",
    "萌宠日记",
    "春天的第一杯奶茶",
    "健身打卡",
    "读书分享",
    "旅行vlog",
    "城市夜景",
    "早餐打卡",
    "追剧日记",
    "数码评测",
    "家常菜谱",
    "露营攻略",
    "减脂餐",
    "职场生存指南",
    "宝藏小店",
    "租房避坑",
    "毕业旅行",
    "音乐节",
    "手账",
    "猫咪的迷惑行为",
    "周末好去处",
    "春日限定",
    "一人食",
    "考公上岸",
    "通勤日记",
    "电竞赛事",
    "演唱会现场",
    "樱花季",
    "博物馆奇妙夜",
    "自律生活",
    "养生指南",
)
TRENDING_EN = (
    "MondayMotivation",
    "WeekendVibes",
    "Caturday",
    "BookTwitter",
    "TechNews",
    "NowPlaying",
    "FoodieFriday",
    "ThrowbackThursday",
    "TravelTuesday",
    "GameNight",
    "Photography",
    "RunningCommunity",
    "GardenTwitter",
    "StudyWithMe",
    "MovieNight",
    "CoffeeTime",
    "DevLife",
    "SpringCleaning",
    "HomeCooking",
    "MarchMadness",
    "Astronomy",
    "DogsOfX",
    "IndieGames",
    "WorldWaterDay",
    "PiDay",
)

# Organic link targets: invented domains, Zipf-popular, sometimes with share-tracking parameters.
URL_PATTERNS = (
    "https://news.huayu-daily.cn/a/{n}.html",
    "https://www.dongfang-times.com/article/{n}",
    "https://video.kandian-tv.cn/v/{code}",
    "https://www.metro-herald.com/{year}/03/{slug}",
    "https://blog.tech-notes.dev/posts/{slug}",
    "https://www.citypost-news.com/local/{n}",
    "https://m.zhishi-baike.cn/item/{n}",
    "https://www.sportsline-daily.com/story/{n}",
    "https://music.tingting-fm.cn/song/{n}",
    "https://www.openrecipes.org/r/{slug}",
)
URL_SLUG_WORDS = (
    "spring",
    "city",
    "budget",
    "guide",
    "review",
    "weather",
    "transit",
    "festival",
    "market",
    "science",
    "health",
    "travel",
    "music",
    "study",
    "report",
    "update",
    "photos",
    "local",
)
TRACKING_SUFFIXES = (
    "?utm_source=wechat&utm_medium=share",
    "?from=timeline&isappinstalled=0",
    "?s=20&t=a8Fk2",
    "?utm_source=twitter",
    "?share_token=9d1c&spm=a2h0c",
)

# Ordinary numbers a PII detector must leave alone; {order}, {landline} and {digits} are filled by pii.py.
HARMLESS_NUMBER_ZH = (
    "订单号{order}，客服一直不回，急死了",
    "快递单号 SF{digits12}，三天了还没到",
    "商家客服电话{landline}，打了好几次都占线",
    "今天步数{digits5}，腿要断了",
    "发票号码{digits8}开错了，还要重开",
)
HARMLESS_NUMBER_EN = (
    "Order #{order} still hasn't shipped, anyone else?",
    "Tracking number 1Z{digits12} says delivered but nothing here",
    "Step count today: {digits5}",
    "Reference {digits8} for my refund, still waiting",
)

# --- people ----------------------------------------------------------------------------------------------------

NICK_PREFIX_ZH = (
    "",
    "",
    "快乐的",
    "爱吃",
    "小",
    "阿",
    "安静的",
    "追风的",
    "不吃香菜的",
    "熬夜的",
    "佛系",
    "今天也要",
    "努力的",
    "一只",
    "早睡的",
)
NICK_CORE_ZH = (
    "小鱼",
    "橙子",
    "星星",
    "阿杰",
    "猫咪",
    "土豆",
    "大白",
    "晴天",
    "木木",
    "老王",
    "西瓜",
    "小熊",
    "柠檬",
    "可乐",
    "夏天",
    "月亮",
    "饭团",
    "豆包",
    "奶盖",
    "年糕",
    "发财",
    "锦鲤",
    "小满",
    "南风",
)
NICK_SUFFIX_ZH = ("", "", "", "同学", "酱", "呀", "2026", "_", "君", "本人", "吖")
FIRST_EN = (
    "Alex",
    "Sam",
    "Jamie",
    "Chris",
    "Taylor",
    "Jordan",
    "Casey",
    "Riley",
    "Mike",
    "Emma",
    "Lucy",
    "Ben",
    "Nora",
    "Leo",
    "Maya",
    "Ivan",
    "Grace",
    "Omar",
    "Priya",
    "Dan",
    "Sofia",
    "Kate",
    "Tom",
    "Zoe",
)
LAST_EN = (
    "Smith",
    "Chen",
    "Garcia",
    "Brown",
    "Nguyen",
    "Patel",
    "Miller",
    "Kim",
    "Lopez",
    "Walker",
    "Young",
    "Hill",
    "Reed",
    "Cole",
    "Price",
    "Wong",
    "Hart",
    "Fox",
)
HANDLE_WORDS = (
    "xiaoyu",
    "chengzi",
    "xingxing",
    "ajie",
    "tudou",
    "dabai",
    "qingtian",
    "mumu",
    "laowang",
    "xigua",
    "lemon",
    "cola",
    "summer",
    "sunny",
    "panda",
    "tiger",
    "moon",
    "river",
    "cloud",
    "leaf",
    "alex",
    "sam",
    "jamie",
    "chris",
    "taylor",
    "jordan",
    "casey",
    "riley",
    "mike",
    "emma",
    "lucy",
    "ben",
    "nora",
    "leo",
    "maya",
    "ivan",
    "nian",
    "fantuan",
    "nanfeng",
    "koi",
)
DEFAULT_NAME_ZH = "用户"
DEFAULT_NAME_EN = "user"
LOCATIONS_ZH = (
    "北京",
    "上海",
    "广东 广州",
    "广东 深圳",
    "四川 成都",
    "浙江 杭州",
    "湖北 武汉",
    "江苏 南京",
    "陕西 西安",
    "重庆",
    "其他",
    "海外",
    "",
)
LOCATIONS_EN = ("New York, NY", "London", "Toronto", "Sydney", "Chicago, IL", "Austin, TX", "Dublin", "", "", "Earth")

SURNAMES_ZH = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林")
GIVEN_ZH = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "晓燕",
    "子涵",
    "雨桐",
    "浩然",
    "梓萱",
    "思远",
)

# --- water-army groups ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Client:
    """Who a group works for: the brand it pushes, the hashtag it tries to make trend, and the complaint a
    critic posts about it (the post a reply swarm descends on)."""

    lang: str
    brand: str
    product: str
    tag: str
    critic_post: str


CLIENTS_ZH = (
    Client(ZH, "康福", "康福速食面", "康福新品上市", "康福速食面吃了两次都胀气，感觉配料表有问题"),
    Client(ZH, "星耀", "星耀X9手机", "星耀X9首发", "星耀X9的续航跟宣传的差太多了，不太推荐"),
    Client(ZH, "蜜桃乌龙", "蜜桃乌龙奶茶", "春日蜜桃乌龙", "蜜桃乌龙奶茶太甜了，而且一杯要三十多"),
    Client(ZH, "云途", "云途旅行App", "云途带你去旅行", "用云途订的酒店到了说没房，退款还拖了一周"),
    Client(ZH, "幻境", "幻境手游", "幻境公测狂欢", "幻境手游抽卡概率明显有问题，劝大家别充钱"),
    Client(ZH, "白鹭", "白鹭精华液", "白鹭焕颜精华", "白鹭精华用了一周烂脸了，大家谨慎"),
    Client(ZH, "老街坊", "老街坊火锅", "老街坊火锅新店开业", "老街坊火锅的锅底不新鲜，吃完闹肚子了"),
    Client(ZH, "鲸鱼借", "鲸鱼借App", "鲸鱼借秒到账", "鲸鱼借的利息算下来远超宣传的数字，小心"),
)
CLIENTS_EN = (
    Client(EN, "NovaPhone", "NovaPhone X9", "NovaX9Launch", "The NovaPhone X9 battery is nowhere near what they claim"),
    Client(EN, "GlowSkin", "GlowSkin serum", "GlowSkinGlowUp", "GlowSkin serum gave me a rash, be careful"),
    Client(
        EN, "Dragonfall", "Dragonfall mobile", "DragonfallLaunch", "Dragonfall's loot boxes are rigged, don't spend"
    ),
    Client(
        EN,
        "QuickLend",
        "QuickLend app",
        "QuickLendFast",
        "QuickLend's real interest rate is way higher than advertised",
    ),
    Client(EN, "ZetaCoin", "ZETA token", "ZetaToTheMoon", "ZetaCoin looks like a pump and dump to me"),
    Client(EN, "Lumen", "Lumen smart lamp", "LumenHome", "My Lumen lamp stopped working after a week"),
)

# copy_paste and staggered: one message, posted again and again with small edits.
PUSH_MESSAGES_ZH = (
    "{product}真的太好用了！强烈推荐给大家，用过的都说好 {hashtag}",
    "支持{brand}！良心国货，值得信赖，大家冲就对了 {hashtag}",
    "今天入手了{product}，品质真的没话说，推荐大家试试 {hashtag}",
    "{brand}yyds！{product}性价比太高了，闭眼入 {hashtag}",
    "用了{product}之后再也回不去了，真心推荐 {hashtag}",
    "为{brand}打call！{product}就是最好的选择 {hashtag}",
)
PUSH_MESSAGES_EN = (
    "{product} is honestly the best thing I bought this year. Highly recommend! {hashtag}",
    "Just switched to {product} and wow, never going back {hashtag}",
    "Can't believe how good {product} is. Everyone should try it {hashtag}",
    "{brand} really delivered with {product}. 10/10 {hashtag}",
    "If you're on the fence about {product}, just do it. Worth every penny {hashtag}",
)

# paraphrase: one message reworded by template; each family says the same thing.
PARAPHRASE_FAMILIES_ZH = (
    (
        "{product}是我用过最好的，没有之一 {hashtag}",
        "说实话，用过这么多，还是{product}最好 {hashtag}",
        "没有比{product}更好的了，我愿称之为第一 {hashtag}",
        "试了一圈下来，{product}排第一，不接受反驳 {hashtag}",
        "真心觉得{product}是同类里最好的 {hashtag}",
        "{product}天花板级别，其他的都比不上 {hashtag}",
    ),
    (
        "身边的朋友都在用{product}，口碑真的好 {hashtag}",
        "我周围好多人都入了{product}，评价都不错 {hashtag}",
        "朋友圈里一半的人都在用{product}了 {hashtag}",
        "同事们都在安利{product}，我也跟着入了 {hashtag}",
        "最近大家都在聊{product}，确实名不虚传 {hashtag}",
    ),
    (
        "那些说{brand}不好的都是收了钱的水军吧 {hashtag}",
        "黑{brand}的人是不是竞争对手派来的 {hashtag}",
        "天天抹黑{brand}，背后肯定有人指使 {hashtag}",
        "说{brand}坏话的账号一看就是小号 {hashtag}",
        "这么多人黑{brand}，一看就是有组织的 {hashtag}",
    ),
)
PARAPHRASE_FAMILIES_EN = (
    (
        "{product} is the best I've ever used, period {hashtag}",
        "Honestly nothing beats {product}, I've tried them all {hashtag}",
        "I've used a lot of these and {product} wins every time {hashtag}",
        "Best in class? {product}, no contest {hashtag}",
        "{product} is simply better than everything else out there {hashtag}",
    ),
    (
        "Everyone I know is using {product} now and loving it {hashtag}",
        "All my friends switched to {product}, the reviews speak for themselves {hashtag}",
        "Half my office uses {product} now. There's a reason {hashtag}",
        "So many people around me recommend {product} {hashtag}",
    ),
    (
        "Funny how all the {brand} haters appeared at once. Paid? {hashtag}",
        "The anti-{brand} accounts all look like sock puppets {hashtag}",
        "Someone is clearly paying people to trash {brand} {hashtag}",
        "These attacks on {brand} look coordinated to me {hashtag}",
    ),
)

# reply_swarm: comments under the critic's post.
SWARM_REPLIES_ZH = (
    "收了多少钱来黑{brand}？",
    "又是竞争对手派来的吧",
    "我用{product}一点问题都没有",
    "别造谣了好吗",
    "{brand}一直很好，不接受反驳",
    "你是不是用法不对",
    "截图都是P的吧",
    "支持{brand}，别理他",
    "这种帖子一看就是黑稿",
    "请拿出证据再说话",
)
SWARM_REPLIES_EN = (
    "How much did they pay you to trash {brand}?",
    "Works perfectly for me, you're lying",
    "Another competitor account lol",
    "Stop spreading lies about {brand}",
    "Sounds like user error",
    "Fake review, obviously",
    "{product} has been great for me",
    "Show proof or delete this",
)

# link_push: varied bait, the same contact or link each time.
LINK_BAIT_ZH = (
    "想赚零花钱的姐妹看过来，{contact}",
    "日结兼职，在家就能做，{contact}",
    "低价出{product}，要的私，{contact}",
    "内部优惠券免费领，{contact}",
    "{product}工厂直供，比官方便宜一半 {contact}",
    "带你一起副业月入过万 {contact}",
    "还有名额，先到先得 {contact}",
    "不收任何费用，诚心的来 {contact}",
    "需要的速度，{contact}",
)
LINK_BAIT_EN = (
    "Want to earn from home? DM or join: {contact}",
    "Half price {product}, limited stock: {contact}",
    "Free giveaway, just join {contact}",
    "Made $500 this week with this, details at {contact}",
    "Exclusive deals here {contact}",
    "Only a few spots left: {contact}",
)
# {id} is the handle the group pushes; the same id under varying spellings, as evaders write it.
CONTACT_FORMATS_ZH = ("vx: {id}", "V❤：{id}", "薇信 {id}", "+v {id}", "wx：{id}")
CONTACT_FORMATS_QQ = ("Q群 {qq}", "扣扣群：{qq}", "QQ群{qq}")
CONTACT_FORMATS_TG = ("TG @{id}", "Telegram: @{id}", "tg：@{id}")
SHOP_LINK_PATTERNS = (
    "https://s.kuaigou-shop.cn/{code}",
    "https://url.taoxi-go.cn/{code}",
    "https://go.dealzone.shop/{code}",
)

# repost_ring: the members' own posts, which the ring then amplifies.
RING_SEEDS_ZH = (
    "{product}今天限时优惠，错过等一年",
    "刚收到{product}，开箱分享",
    "{brand}又出新品了，太期待了",
    "给大家推荐{product}，真的好用",
    "{brand}官方活动开始了 {hashtag}",
)
RING_SEEDS_EN = (
    "{product} is on sale today only",
    "Unboxing my new {product}",
    "{brand} just dropped something new",
    "Highly recommend {product}",
    "{brand} giveaway is live {hashtag}",
)
CLIENT_POSTS_ZH = ("{brand}官方：{product}全新上市，欢迎体验 {hashtag}", "{product}限时活动进行中，转发抽奖 {hashtag}")
CLIENT_POSTS_EN = ("Introducing {product}. Available today. {hashtag}", "Retweet to win a {product}! {hashtag}")

# --- edits applied by copy-paste accounts ----------------------------------------------------------------------
SYNONYMS = {
    "真的": "真心",
    "推荐": "安利",
    "太": "超",
    "大家": "家人们",
    "入手": "买了",
    "好用": "好使",
    "最好": "最棒",
    "best": "greatest",
    "Highly": "Strongly",
    "honestly": "truly",
    "wow": "omg",
    "recommend": "suggest",
    "great": "awesome",
    "never": "not",
}
TRAILERS_ZH = (" 顶", " +1", "[赞]", "！！", " 冲", "～")
TRAILERS_EN = (" +1", "!!", " 💯", " fr", " 🙌")

# --- rumors ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimText:
    """A debunked claim: its canonical wording (what the fact-checker wrote down) and restatements (how
    rumor posts put it, in different words)."""

    lang: str
    text: str
    restatements: tuple[str, ...]
    debunk: str


CLAIMS = (
    ClaimText(
        ZH,
        "康福牌方便面的面饼含有塑料成分，长期食用会致癌",
        (
            "震惊！康福方便面面饼里有塑料，烧了会冒黑烟，千万别再吃了",
            "朋友在食品厂上班说康福面饼加了塑料，吃多了致癌，快告诉家里人",
            "康福方便面被曝含塑料，点火就能烧起来，孩子千万别吃",
            "家里有康福方便面的赶紧扔了吧，面饼里有塑料",
            "实测康福面饼能点燃，里面有塑料成分，会致癌！",
        ),
        "辟谣：方便面面饼可燃是因为含淀粉和油脂，康福方便面含塑料的说法不实",
    ),
    ClaimText(
        ZH,
        "临江市地震已造成500多人遇难，官方隐瞒了真实数字",
        (
            "临江地震死了五百多人，新闻只说了几个，太可怕了",
            "听在临江的亲戚说，这次地震遇难的超过500人，都被压下来了",
            "临江地震真实死亡人数500+，官方数字是假的",
            "临江那边说地震至少死了五百人，为什么没人报道",
            "求证：临江地震遇难者已超500人？",
        ),
        "辟谣：临江市地震未造成人员死亡，所谓遇难500余人系编造",
    ),
    ClaimText(
        ZH,
        "喝淡盐水可以杀死流感病毒，医院都在推荐",
        (
            "医生朋友说每天早上喝一杯淡盐水，流感病毒就不会感染你",
            "流感高发期，淡盐水漱口加喝下去，病毒全杀死",
            "盐水能杀流感病毒！医院内部都在这么做，转给家人",
            "每天喝淡盐水预防流感，比打疫苗还管用",
        ),
        "辟谣：喝淡盐水不能杀死流感病毒，也不能预防流感",
    ),
    ClaimText(
        ZH,
        "青州市自来水被化工厂污染，近期千万不要饮用",
        (
            "青州的朋友注意了，自来水被化工厂污染了，别喝！",
            "紧急通知：青州自来水已被污染，请大家购买瓶装水",
            "听说青州水厂出事了，自来水有毒，赶紧囤水",
            "青州自来水发黄有异味，是化工厂偷排导致的，千万别喝",
        ),
        "辟谣：青州市供水水质检测全部达标，自来水被污染系谣言",
    ),
    ClaimText(
        ZH,
        "超市卖的草莓都打了膨大剂，孩子吃了会性早熟",
        (
            "现在的草莓都是打了膨大剂的，小孩吃了会早熟，别买了",
            "个头大的草莓都用了激素，孩子吃多了性早熟",
            "草莓空心就是打了膨大剂，吃了影响发育！",
            "专家提醒：草莓含膨大剂，儿童不宜食用",
        ),
        "辟谣：膨大剂属于植物生长调节剂，对人体不起作用，不会导致儿童性早熟",
    ),
    ClaimText(
        ZH,
        "云溪大桥出现裂缝即将坍塌，已有车辆坠河",
        (
            "云溪大桥塌了一段！有车掉下去了，大家绕行",
            "刚经过云溪大桥，桥面裂了好长的缝，随时会塌",
            "云溪大桥出事了，听说好几辆车掉河里",
            "紧急扩散：云溪大桥有坍塌危险，千万别走",
        ),
        "辟谣：云溪大桥结构安全，网传视频为外地旧视频",
    ),
    ClaimText(
        ZH,
        "下月起所有手机转账都要收取5%手续费",
        (
            "下个月开始手机转账要收5%手续费了，赶紧把钱转出来",
            "重磅：从下月起转账一律收5%的费用",
            "以后手机转账每笔都要扣5%手续费，真的假的",
            "转账收费新规下月实施，每笔扣5%",
        ),
        "辟谣：有关部门从未出台转账收取5%手续费的规定",
    ),
    ClaimText(
        ZH,
        "香蕉和酸奶一起吃会中毒",
        (
            "香蕉和酸奶千万不能一起吃，会食物中毒！",
            "早餐香蕉配酸奶等于吃毒药，赶紧告诉家人",
            "医生提醒：酸奶香蕉同食会产生毒素",
        ),
        "辟谣：香蕉与酸奶同食不会中毒，属于常见的食物相克谣言",
    ),
    ClaimText(
        ZH,
        "南湖区明天起停水停电一周",
        (
            "南湖区的注意！明天开始停水停电一个星期，快囤东西",
            "接到通知，南湖区要停水停电七天",
            "南湖区明天起全区停水停电一周，请互相转告",
        ),
        "辟谣：南湖区近期无大范围停水停电计划",
    ),
    ClaimText(
        ZH,
        "5G基站辐射导致附近居民集体失眠脱发",
        (
            "小区楼顶装了5G基站，整栋楼的人都失眠掉头发",
            "5G辐射太可怕了，基站附近的人都睡不着觉",
            "我们这自从装了5G基站，老人孩子都生病了",
        ),
        "辟谣：5G基站电磁辐射远低于国家标准限值，不会导致失眠脱发",
    ),
    ClaimText(
        ZH,
        "临江动物园老虎出逃，已咬伤多人",
        (
            "临江动物园的老虎跑出来了！已经咬伤好几个人",
            "紧急：临江动物园老虎出逃，附近居民不要出门",
            "有人拍到老虎在临江街上走，动物园跑出来的",
        ),
        "辟谣：临江动物园动物均在园内，老虎出逃系谣言",
    ),
    ClaimText(
        ZH,
        "微波炉加热的食物会致癌",
        (
            "微波炉热过的饭会致癌，千万别再用了",
            "用微波炉热饭等于吃辐射，长期会得癌症",
            "微波炉加热会产生致癌物，家里的赶紧扔了",
        ),
        "辟谣：微波炉加热不会使食物产生致癌物或带有辐射",
    ),
    ClaimText(
        EN,
        "Drinking hot lemon water cures the flu within a day",
        (
            "Hot lemon water kills the flu virus in 24 hours, doctors won't tell you this",
            "My nurse friend says hot lemon water cures flu in a day. Share this!",
            "Forget the flu shot, hot water with lemon wipes out the virus overnight",
            "Flu? Just drink hot lemon water. Gone in a day, guaranteed",
        ),
        "False: lemon water does not cure or shorten the flu",
    ),
    ClaimText(
        EN,
        "The Riverton dam has cracked and the city will flood tonight",
        (
            "URGENT: Riverton dam is cracking, the whole town floods tonight. Get out now",
            "Riverton dam breach imminent, officials are hiding it",
            "Just heard the Riverton dam cracked. Evacuate if you're downstream!",
            "Riverton is going under tonight, the dam has a huge crack",
        ),
        "False: inspectors found the Riverton dam intact; the photo shows a different dam",
    ),
    ClaimText(
        EN,
        "Lakeside County officials are hiding 300 deaths from the chemical spill",
        (
            "300 people died after the Lakeside chemical spill and they're covering it up",
            "Lakeside County death toll is really 300+, the news won't say it",
            "They're hiding the bodies in Lakeside. At least 300 dead from the spill",
        ),
        "False: no deaths have been linked to the Lakeside County spill",
    ),
    ClaimText(
        EN,
        "SunnyFarm frozen chicken contains plastic fibers",
        (
            "Found plastic fibers in SunnyFarm chicken. Throw it out!",
            "SunnyFarm frozen chicken is full of plastic, my friend works at the plant",
            "PSA: SunnyFarm chicken has plastic in it, don't feed it to your kids",
        ),
        "False: the 'fibers' in the viral video are the chicken's own connective tissue",
    ),
    ClaimText(
        EN,
        "5G towers in Milford are making residents sick",
        (
            "Since the 5G tower went up in Milford everyone on my street is sick",
            "Milford 5G towers are causing headaches and nosebleeds, wake up",
            "The new Milford tower is poisoning us. Headaches, insomnia, all of it",
        ),
        "False: measured exposure near the Milford towers is far below safety limits",
    ),
    ClaimText(
        EN,
        "A new law will ban cash payments nationwide from next month",
        (
            "Cash will be illegal from next month. Withdraw your savings now",
            "They're banning cash next month, nobody is talking about it",
            "New law: no more cash payments starting next month",
        ),
        "False: no law banning cash payments has been proposed",
    ),
    ClaimText(
        EN,
        "A shark was seen swimming on the flooded highway in Port Ellis",
        (
            "There's a SHARK on the Port Ellis highway!! Stay out of the water",
            "Port Ellis flood so bad a shark is swimming down the interstate",
            "Shark spotted on the flooded Port Ellis highway, unreal",
        ),
        "False: the shark photo is a years-old edited image",
    ),
)
RUMOR_SUFFIXES_ZH = ("，转发扩散！", "！大家注意！", "[泪]", "，快告诉身边的人")
RUMOR_SUFFIXES_EN = (" Please share.", " RT!", " 😱", " Stay safe.")
RUMOR_REPOST_COMMENTS_ZH = ("扩散！", "太可怕了", "真的假的？", "转给家人", "天哪", "转发", "大家小心", "")
RUMOR_REPOST_COMMENTS_EN = ("Spread the word", "Is this true??", "Scary", "Wow", "Stay safe everyone", "")
FACT_CHECKERS = ("Example Fact Check Center", "示例联合辟谣平台", "Riverton Verify Desk", "示例网络辟谣中心")

# --- pile-ons --------------------------------------------------------------------------------------------------

VICTIM_POSTS_ZH = (
    "我觉得餐厅里大声喧哗确实不太好，希望大家互相体谅一下",
    "今天在地铁上给老人让座被说多管闲事，有点委屈",
    "个人不太喜欢这部剧的结局，仅代表个人观点",
    "小区里遛狗不牵绳真的很危险，希望大家注意",
    "我觉得排队插队的人应该被提醒一下",
)
VICTIM_POSTS_EN = (
    "Honestly I think the new bike lanes are a good idea",
    "Unpopular opinion: the finale was fine",
    "I asked my neighbor to turn the music down and now the whole building hates me",
    "Please leash your dogs in the park, a kid got knocked over today",
)
ABUSE_ZH = (
    "你脑子进水了吧",
    "真是个大傻子",
    "滚出网络吧",
    "你这种人就不配发言",
    "笑死，什么垃圾观点",
    "恶心死了",
    "有病吧你",
    "丢人现眼",
    "真是个小丑",
    "建议你闭嘴",
    "没见过这么蠢的",
    "赶紧删号吧",
    "你算老几",
    "装什么好人",
)
ABUSE_EN = (
    "what an idiot",
    "clown behavior",
    "you're pathetic",
    "nobody asked, loser",
    "delete your account",
    "absolute moron",
    "you should be ashamed",
    "get lost",
    "imagine being this dumb",
    "touch grass, clown",
)
DOXXING_ZH = (
    "扒出来了，这人叫{name}，身份证号{idn}，手机{phone}，大家去问问",
    "人肉到了：{name} {idn} 电话{phone}，住在{city}",
    "就是她，{name}，手机号{phone}，身份证{idn}，冲",
)
DOXXING_EN = (
    "Found them: {name}, ID {idn}, phone {phone}. You know what to do",
    "{name} lives in {city}. ID number {idn}, cell {phone}",
)

# --- hard negatives ----------------------------------------------------------------------------------------------

VIRAL_POSTS_ZH = (
    "官宣！我们结婚啦",
    "新歌《春日》今晚零点上线，等你们来听",
    "今天是我出道十周年，谢谢大家一路陪伴",
    "恭喜中国女排夺冠！太燃了",
    "我们的新电影定档了，四月见",
    "航天发射圆满成功！",
)
VIRAL_POSTS_EN = (
    "We did it. Champions!!!",
    "New album out now. Thank you for waiting",
    "Ten years ago today I posted my first video",
    "Launch successful! Next stop, orbit",
    "Our new film hits theaters in April",
)
# A friendly target's post and the well-wishes it draws (many identical, none coordinated).
FRIENDLY_ZH = (
    (
        "今天是我的生日，谢谢大家的祝福🎂",
        ("生日快乐！", "生日快乐🎂", "生日快乐呀～", "生日快乐！！", "祝福祝福", "生快！"),
    ),
    ("刚刚跑完了人生第一个全马！", ("恭喜恭喜", "太棒了！", "好厉害！", "恭喜！", "牛！", "太强了")),
    ("宝宝今天出生啦，母子平安", ("恭喜恭喜！", "恭喜！", "母子平安就好", "欢迎小宝贝", "太好了！")),
)
FRIENDLY_EMOJI = ("🎉", "❤️", "👏", "🎂", "✨", "💪", "🥳")
FRIENDLY_EN = (
    (
        "It's my birthday today 🎂",
        ("Happy birthday!", "Happy birthday 🎉", "HBD!", "Happy birthday!!", "Have a great one!"),
    ),
    (
        "Just finished my first marathon!",
        ("Congrats!!", "Well done!", "Amazing!", "Congratulations!", "So proud of you"),
    ),
    ("Defended my PhD today!", ("Congrats Dr.!", "Congratulations!", "Well deserved!", "Amazing news!")),
)
