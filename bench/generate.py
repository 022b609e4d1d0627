"""Synthetic registries for the benchmarks: organizations and programs as NDJSON import files.

The rows are in the create schemas' shape, so they load through `registry import` like
any admin's file. Vocabulary codes are read from seeds/vocabularies; every pick follows a
Zipf-like skew (a few target groups, provinces and organizations dominate, as in the
field). The output depends only on the size and the seed.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import yaml

ROOT = Path(__file__).resolve().parents[1]

CITIES = [
    ("成都", "Chengdu"), ("昆明", "Kunming"), ("深圳", "Shenzhen"), ("广州", "Guangzhou"),
    ("北京", "Beijing"), ("上海", "Shanghai"), ("武汉", "Wuhan"), ("长沙", "Changsha"),
    ("贵阳", "Guiyang"), ("南宁", "Nanning"), ("兰州", "Lanzhou"), ("西安", "Xi'an"),
    ("郑州", "Zhengzhou"), ("杭州", "Hangzhou"), ("南京", "Nanjing"), ("佛山", "Foshan"),
    ("重庆", "Chongqing"), ("合肥", "Hefei"), ("福州", "Fuzhou"), ("太原", "Taiyuan"),
]  # fmt: skip
BRANDS = [
    ("阳光", "Sunshine"), ("心语", "Heart Words"), ("同行", "Walking Together"),
    ("彩虹", "Rainbow"), ("星星", "Little Stars"), ("晨曦", "Dawn"), ("绿芽", "Green Sprout"),
    ("暖心", "Warm Heart"), ("启明", "Morning Star"), ("向日葵", "Sunflower"),
    ("蒲公英", "Dandelion"), ("悦纳", "Acceptance"), ("青禾", "Young Grain"),
    ("知行", "Know and Act"), ("守望", "Watchful"), ("春苗", "Spring Seedling"),
]  # fmt: skip
ORG_FORMS = [
    ("社会工作服务中心", "Social Work Service Center", "social_service_organization"),
    ("公益基金会", "Charitable Foundation", "foundation"),
    ("青少年发展中心", "Youth Development Center", "social_service_organization"),
    ("心理咨询服务中心", "Counselling Service Center", "social_enterprise"),
    ("志愿者协会", "Volunteer Association", "association"),
]
TOPICS = [
    ("心理健康", "Mental Health"), ("情绪管理", "Emotion Skills"), ("抗逆力", "Resilience"),
    ("陪伴成长", "Growing Together"), ("家庭教育", "Family Education"),
    ("防欺凌", "Bullying Prevention"), ("生命教育", "Life Education"),
    ("心理危机干预", "Crisis Support"), ("阅读疗愈", "Reading Therapy"),
    ("艺术表达", "Art Expression"), ("同伴支持", "Peer Support"), ("社交技能", "Social Skills"),
]  # fmt: skip
FORMS = [("项目", "Program"), ("计划", "Initiative"), ("行动", "Campaign"), ("工作坊", "Workshop")]
PHRASES_ZH = [
    "面向山区学校的留守儿童", "通过每周一次的团体辅导", "为家长提供亲子沟通工作坊",
    "培训教师识别学生的心理困扰", "在社区建立儿童友好空间", "与当地教育部门合作",
    "开展心理健康知识普及活动", "建立转介和危机干预机制", "提升儿童的情绪管理能力与抗逆力",
    "招募大学生志愿者长期陪伴", "使用绘本和戏剧进行表达", "关注流动儿童的社会融入",
    "覆盖乡镇中心小学和教学点", "定期评估服务效果并改进课程",
]  # fmt: skip
PHRASES_EN = [
    "The program serves left-behind children in mountain schools",
    "with weekly group sessions led by trained social workers",
    "and parent workshops on communication at home.",
    "Teachers learn to notice early signs of distress and refer pupils for support.",
    "Volunteers from local universities keep in touch with each child for a year.",
    "Activities use picture books, drama and sport to help children express feelings.",
    "The team works with the county education bureau and village committees.",
    "Each term ends with an evaluation that feeds back into the curriculum.",
]


# Search terms at known rates: a phrase in about 3% of programs and one in a handful
# (every 20,011th), beside the phrases above, each in about a third.
SOME_ZH, SOME_EN = "结合正念练习", "Sessions include mindfulness practice."
RARE_ZH, RARE_EN = "马术疗愈", "Equine therapy is offered in summer."
RARE_EVERY = 20_011


def vocabulary(name: str) -> list[str]:
    data = yaml.safe_load((ROOT / "seeds" / "vocabularies" / f"{name}.yaml").read_text())
    return [term["code"] for term in data["terms"]]


class Skewed:
    """Picks from a list with Zipf-like weights: item k has weight 1 / (k + 1) ** s."""

    def __init__(self, items: Sequence[Any], rng: random.Random, s: float = 1.1) -> None:
        self.items = list(items)
        rng.shuffle(self.items)
        self.cumulative = list(itertools.accumulate(1 / (k + 1) ** s for k in range(len(items))))
        self.rng = rng

    def one(self) -> Any:
        x = self.rng.random() * self.cumulative[-1]
        return self.items[bisect.bisect(self.cumulative, x)]

    def some(self, low: int, high: int) -> list[Any]:
        count = self.rng.randint(low, high)
        picked: list[Any] = []
        for _ in range(count * 3):
            if len(picked) == count:
                break
            item = self.one()
            if item not in picked:
                picked.append(item)
        return picked


def _text(
    rng: random.Random, zh_parts: tuple[int, int], en_parts: tuple[int, int]
) -> tuple[str, str]:
    """A description in Chinese and one in English, as every record now has both."""
    zh = "，".join(rng.sample(PHRASES_ZH, rng.randint(*zh_parts))) + "。"
    en = " ".join(rng.sample(PHRASES_EN, rng.randint(*en_parts)))
    return zh, en


def organizations(count: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    provinces = Skewed(vocabulary("province"), rng)
    for i in range(count):
        city_zh, city_en = rng.choice(CITIES)
        brand_zh, brand_en = rng.choice(BRANDS)
        form_zh, form_en, kind = rng.choice(ORG_FORMS)
        yield {
            "slug": f"bench-org-{i:07d}",
            "name_zh": f"{city_zh}市{brand_zh}{form_zh}",
            "name_en": f"{city_en} {brand_en} {form_en} {i}",
            "kind": kind,
            "province": provinces.one(),
            "city_zh": f"{city_zh}市",
            "city_en": city_en,
            "founded_year": rng.randint(1990, 2024),
            "website": f"https://org{i}.example.org/" if rng.random() < 0.3 else None,
            **_described(_text(rng, (2, 4), (1, 3))),
        }


def programs(count: int, organization_count: int, rng: random.Random) -> Iterator[dict[str, Any]]:
    owners = Skewed(range(organization_count), rng, s=0.8)
    pickers = {
        name: Skewed(vocabulary(name), rng)
        for name in ("intervention_type", "target_group", "setting", "ecological_level")
    }
    elements = Skewed(vocabulary("element"), rng)
    provinces = Skewed(vocabulary("province"), rng)
    roles = vocabulary("partner_role")
    years = Skewed(range(2024, 1994, -1), rng, s=0.6)
    for i in range(count):
        brand_zh, brand_en = rng.choice(BRANDS)
        topic_zh, topic_en = rng.choice(TOPICS)
        form_zh, form_en = rng.choice(FORMS)
        owner = owners.one()
        partners = {
            p: rng.choice(roles) for p in rng.sample(range(organization_count), rng.randint(0, 2))
        }
        partners.pop(owner, None)
        yield {
            "slug": f"bench-program-{i:07d}",
            "name_zh": f"{brand_zh}{topic_zh}{form_zh}（第{i % 97 + 1}期）",
            "name_en": f"{brand_en} {topic_en} {form_en} {i}",
            "organization": f"bench-org-{owner:07d}",
            "partners": [
                {"organization": f"bench-org-{p:07d}", "role": role}
                for p, role in sorted(partners.items())
            ],
            "intervention_type": pickers["intervention_type"].one(),
            "course_based": rng.random() < 0.3,
            "established_year": years.one(),
            "interviewed": rng.random() < 0.1,
            "target_groups": pickers["target_group"].some(1, 3),
            "settings": pickers["setting"].some(1, 2),
            "ecological_levels": pickers["ecological_level"].some(0, 2),
            "elements": elements.some(0, 3),
            "provinces": provinces.some(0, 2),
            **_described(_description(rng, i)),
        }


def _described(texts: tuple[str, str]) -> dict[str, str]:
    return {"description_zh": texts[0], "description_en": texts[1]}


def _description(rng: random.Random, i: int) -> tuple[str, str]:
    zh, en = _text(rng, (3, 6), (2, 4))
    if rng.random() < 0.03:
        zh, en = f"{zh}{SOME_ZH}。", f"{en} {SOME_EN}"
    if i % RARE_EVERY == 17:
        zh, en = f"{zh}{RARE_ZH}。", f"{en} {RARE_EN}"
    return zh, en


def write(rows: Iterator[dict[str, Any]], path: Path) -> int:
    count = 0
    with path.open("wb") as out:
        for row in rows:
            out.write(orjson.dumps(row) + b"\n")
            count += 1
    return count


def generate(programs_count: int, out: Path, seed: int = 2024) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    org_count = max(1, programs_count // 5)
    orgs_path = out / "organizations.ndjson"
    programs_path = out / "programs.ndjson"
    write(organizations(org_count, rng), orgs_path)
    write(programs(programs_count, org_count, rng), programs_path)
    return orgs_path, programs_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("programs", type=int, help="number of programs, e.g. 100000")
    parser.add_argument("out", type=Path, help="folder for the NDJSON files")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    for path in generate(args.programs, args.out, args.seed):
        print(path)


if __name__ == "__main__":
    main()
