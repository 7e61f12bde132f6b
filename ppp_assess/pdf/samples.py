"""Sample certificates and reports in the six shipped languages.

Used by the tests, the benchmark and the documentation images, and handy for checking a
layout change by eye: ``python -m ppp_assess.pdf.samples OUTPUT_DIR`` writes one
certificate and one report per language. The names, scores and dates are invented; the
signature is a placeholder, not a real Ed25519 signature.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import sys
from pathlib import Path

from ppp_assess.domain.documents import (
    CertificateData,
    ReportData,
    ReportGap,
    ReportQuestion,
    ReportSection,
)
from ppp_assess.pdf.captions import FormatDate, FormatNumber, Translate
from ppp_assess.pdf.text import direction_of

LOCALES = ("en", "fr", "ru", "es", "ar", "zh")

SERIAL = "PPP-2025-0042-7F3K"
VERIFY_URL = f"https://ppp-assess.example.org/verify/{SERIAL}"
APPROVAL_DATE = datetime.date(2025, 3, 28)
ISSUE_DATE = datetime.date(2025, 3, 31)
SECTION_SCORES = (82.0, 74.5, 68.0, 90.0, 77.5)
OVERALL_SCORE = 78.5

# Captions of the renderers, translated, as a catalogue would hold them.
CAPTIONS: dict[str, dict[str, str]] = {
    "fr": {
        "Certificate of assessment": "Certificat d'évaluation",
        "This certificate is awarded to": "Ce certificat est décerné à",
        "Assessed against": "Évalué selon",
        "Version %(version)s": "Version %(version)s",
        "Overall score": "Score global",
        "out of 100": "sur 100",
        "Level": "Niveau",
        "Section scores": "Scores par section",
        "Reviewer": "Examinateur",
        "Serial number": "Numéro de série",
        "Approved on": "Approuvé le",
        "Issued on": "Délivré le",
        "Verify at": "Vérifier sur",
        "The signed facts of this certificate are attached to this file. Anyone can check "
        "them offline with the platform's published public key, or online at the address "
        "above.": "Les données signées de ce certificat sont jointes à ce fichier. Chacun "
        "peut les vérifier hors ligne avec la clé publique publiée par la plateforme, ou en "
        "ligne à l'adresse ci-dessus.",
        "Assessment report": "Rapport d'évaluation",
        "DRAFT": "BROUILLON",
        "Draft: not reviewed, not certified": "Brouillon : ni examiné ni certifié",
        "Subject": "Objet",
        "Organisation": "Organisation",
        "Questionnaire": "Questionnaire",
        "Status": "Statut",
        "Generated on": "Généré le",
        "Score summary": "Synthèse des scores",
        "Answer": "Réponse",
        "Comment": "Commentaire",
        "Evidence": "Justificatifs",
        "Reviewer comment": "Commentaire de l'examinateur",
        "Score": "Score",
        "Not scored": "Non noté",
        "Gaps and recommended actions": "Écarts et actions recommandées",
        "Question": "Question",
        "Points lost": "Points perdus",
        "Recommended action": "Action recommandée",
        "No gaps: every scored question reached the maximum.": "Aucun écart : toutes les "
        "questions notées ont obtenu le maximum.",
        "Page %(page)s": "Page %(page)s",
    },
    "es": {
        "Certificate of assessment": "Certificado de evaluación",
        "This certificate is awarded to": "Este certificado se otorga a",
        "Assessed against": "Evaluado según",
        "Version %(version)s": "Versión %(version)s",
        "Overall score": "Puntuación global",
        "out of 100": "sobre 100",
        "Level": "Nivel",
        "Section scores": "Puntuación por sección",
        "Reviewer": "Revisora",
        "Serial number": "Número de serie",
        "Approved on": "Aprobado el",
        "Issued on": "Emitido el",
        "Verify at": "Verificar en",
        "The signed facts of this certificate are attached to this file. Anyone can check "
        "them offline with the platform's published public key, or online at the address "
        "above.": "Los datos firmados de este certificado van adjuntos a este archivo. "
        "Cualquiera puede comprobarlos sin conexión con la clave pública publicada por la "
        "plataforma, o en línea en la dirección indicada.",
        "Assessment report": "Informe de evaluación",
        "DRAFT": "BORRADOR",
        "Draft: not reviewed, not certified": "Borrador: sin revisar ni certificar",
        "Subject": "Objeto",
        "Organisation": "Organización",
        "Questionnaire": "Cuestionario",
        "Status": "Estado",
        "Generated on": "Generado el",
        "Score summary": "Resumen de puntuaciones",
        "Answer": "Respuesta",
        "Comment": "Comentario",
        "Evidence": "Evidencias",
        "Reviewer comment": "Comentario de la revisora",
        "Score": "Puntuación",
        "Not scored": "Sin puntuación",
        "Gaps and recommended actions": "Brechas y acciones recomendadas",
        "Question": "Pregunta",
        "Points lost": "Puntos perdidos",
        "Recommended action": "Acción recomendada",
        "No gaps: every scored question reached the maximum.": "Sin brechas: todas las "
        "preguntas puntuadas alcanzaron el máximo.",
        "Page %(page)s": "Página %(page)s",
    },
    "ru": {
        "Certificate of assessment": "Сертификат об оценке",
        "This certificate is awarded to": "Настоящий сертификат выдан",
        "Assessed against": "Оценка проведена по инструменту",
        "Version %(version)s": "Версия %(version)s",
        "Overall score": "Общий балл",
        "out of 100": "из 100",
        "Level": "Уровень",
        "Section scores": "Баллы по разделам",
        "Reviewer": "Рецензент",
        "Serial number": "Серийный номер",
        "Approved on": "Утверждено",
        "Issued on": "Выдано",
        "Verify at": "Проверить по адресу",
        "The signed facts of this certificate are attached to this file. Anyone can check "
        "them offline with the platform's published public key, or online at the address "
        "above.": "Подписанные данные сертификата вложены в этот файл. Любой может проверить "
        "их без подключения к сети с помощью опубликованного открытого ключа платформы или "
        "онлайн по указанному адресу.",
        "Assessment report": "Отчёт об оценке",
        "DRAFT": "ЧЕРНОВИК",
        "Draft: not reviewed, not certified": "Черновик: не рассмотрен и не сертифицирован",
        "Subject": "Объект",
        "Organisation": "Организация",
        "Questionnaire": "Анкета",
        "Status": "Статус",
        "Generated on": "Сформирован",
        "Score summary": "Сводка баллов",
        "Answer": "Ответ",
        "Comment": "Комментарий",
        "Evidence": "Подтверждения",
        "Reviewer comment": "Комментарий рецензента",
        "Score": "Балл",
        "Not scored": "Без оценки",
        "Gaps and recommended actions": "Недостатки и рекомендуемые меры",
        "Question": "Вопрос",
        "Points lost": "Потеряно баллов",
        "Recommended action": "Рекомендуемая мера",
        "No gaps: every scored question reached the maximum.": "Недостатков нет: по всем "
        "оцениваемым вопросам получен максимальный балл.",
        "Page %(page)s": "Страница %(page)s",
    },
    "ar": {
        "Certificate of assessment": "شهادة تقييم",
        "This certificate is awarded to": "تُمنح هذه الشهادة إلى",
        "Assessed against": "أداة التقييم",
        "Version %(version)s": "الإصدار %(version)s",
        "Overall score": "الدرجة الإجمالية",
        "out of 100": "من 100",
        "Level": "المستوى",
        "Section scores": "الدرجات حسب القسم",
        "Reviewer": "المراجعة",
        "Serial number": "الرقم التسلسلي",
        "Approved on": "تاريخ الاعتماد",
        "Issued on": "تاريخ الإصدار",
        "Verify at": "للتحقق",
        "The signed facts of this certificate are attached to this file. Anyone can check "
        "them offline with the platform's published public key, or online at the address "
        "above.": "البيانات الموقّعة لهذه الشهادة مرفقة بهذا الملف، ويمكن لأي شخص التحقق منها "
        "دون اتصال بالإنترنت باستخدام المفتاح العام المنشور للمنصة، أو عبر الإنترنت على "
        "العنوان أعلاه.",
        "Assessment report": "تقرير التقييم",
        "DRAFT": "مسودة",
        "Draft: not reviewed, not certified": "مسودة: لم تتم مراجعتها ولم تُعتمد",
        "Subject": "موضوع التقييم",
        "Organisation": "الجهة",
        "Questionnaire": "الاستبيان",
        "Status": "الحالة",
        "Generated on": "تاريخ الإنشاء",
        "Score summary": "ملخص الدرجات",
        "Answer": "الإجابة",
        "Comment": "التعليق",
        "Evidence": "الأدلة",
        "Reviewer comment": "تعليق المراجعة",
        "Score": "الدرجة",
        "Not scored": "غير محتسب",
        "Gaps and recommended actions": "الثغرات والإجراءات الموصى بها",
        "Question": "السؤال",
        "Points lost": "النقاط المفقودة",
        "Recommended action": "الإجراء الموصى به",
        "No gaps: every scored question reached the maximum.": "لا توجد ثغرات: حصلت جميع "
        "الأسئلة المحتسبة على الدرجة القصوى.",
        "Page %(page)s": "الصفحة %(page)s",
    },
    "zh": {
        "Certificate of assessment": "评估证书",
        "This certificate is awarded to": "本证书授予",
        "Assessed against": "评估依据",
        "Version %(version)s": "版本 %(version)s",
        "Overall score": "总分",
        "out of 100": "满分 100",
        "Level": "等级",
        "Section scores": "各部分得分",
        "Reviewer": "评审人",
        "Serial number": "证书编号",
        "Approved on": "批准日期",
        "Issued on": "签发日期",
        "Verify at": "验证网址",
        "The signed facts of this certificate are attached to this file. Anyone can check "
        "them offline with the platform's published public key, or online at the address "
        "above.": "本证书的签名数据已附在此文件中。任何人均可使用平台公布的公钥离线核验，"
        "或通过上方网址在线核验。",
        "Assessment report": "评估报告",
        "DRAFT": "草稿",
        "Draft: not reviewed, not certified": "草稿：未经评审，未获认证",
        "Subject": "评估对象",
        "Organisation": "机构",
        "Questionnaire": "问卷",
        "Status": "状态",
        "Generated on": "生成日期",
        "Score summary": "得分概览",
        "Answer": "回答",
        "Comment": "说明",
        "Evidence": "证明材料",
        "Reviewer comment": "评审意见",
        "Score": "得分",
        "Not scored": "不计分",
        "Gaps and recommended actions": "差距与建议措施",
        "Question": "问题",
        "Points lost": "失分",
        "Recommended action": "建议措施",
        "No gaps: every scored question reached the maximum.": "无差距：所有计分问题均获满分。",
        "Page %(page)s": "第 %(page)s 页",
    },
}

_TEXTS: dict[str, dict[str, object]] = {
    "en": {
        "issuer": "People-first PPP Assessment Platform",
        "subject": "Kafue Valley Water Supply PPP",
        "organisation": "Ministry of Finance and National Planning",
        "country": "Zambia",
        "questionnaire": "People-first PPP criteria",
        "level": "Advanced",
        "reviewer": "Dr Amina Okafor",
        "sections": (
            "Access and equity",
            "Economic effectiveness and fiscal sustainability",
            "Environmental sustainability and resilience",
            "Replicability",
            "Stakeholder engagement",
        ),
    },
    "fr": {
        "issuer": "Plateforme d'évaluation des PPP axés sur la population",
        "subject": "PPP d'adduction d'eau de la vallée de la Kafue",
        "organisation": "Ministère des Finances et de la Planification nationale",
        "country": "Zambie",
        "questionnaire": "Critères des PPP axés sur la population",
        "level": "Avancé",
        "reviewer": "Dr Amina Okafor",
        "sections": (
            "Accès et équité",
            "Efficacité économique et viabilité budgétaire",
            "Durabilité environnementale et résilience",
            "Reproductibilité",
            "Participation des parties prenantes",
        ),
    },
    "es": {
        "issuer": "Plataforma de evaluación de APP centradas en las personas",
        "subject": "APP de abastecimiento de agua del valle del Kafue",
        "organisation": "Ministerio de Hacienda y Planificación Nacional",
        "country": "Zambia",
        "questionnaire": "Criterios de APP centradas en las personas",
        "level": "Avanzado",
        "reviewer": "Dra. Amina Okafor",
        "sections": (
            "Acceso y equidad",
            "Eficacia económica y sostenibilidad fiscal",
            "Sostenibilidad ambiental y resiliencia",
            "Replicabilidad",
            "Participación de las partes interesadas",
        ),
    },
    "ru": {
        "issuer": "Платформа оценки ГЧП, ориентированных на интересы людей",
        "subject": "ГЧП по водоснабжению долины Кафуэ",
        "organisation": "Министерство финансов и национального планирования",
        "country": "Замбия",
        "questionnaire": "Критерии ГЧП, ориентированных на интересы людей",
        "level": "Продвинутый",
        "reviewer": "Д-р Амина Окафор",
        "sections": (
            "Доступность и справедливость",
            "Экономическая эффективность и бюджетная устойчивость",
            "Экологическая устойчивость и жизнестойкость",
            "Воспроизводимость",
            "Взаимодействие с заинтересованными сторонами",
        ),
    },
    "ar": {
        "issuer": "منصة تقييم الشراكات بين القطاعين العام والخاص التي تركز على الناس",
        "subject": "شراكة إمدادات المياه في وادي كافوي",
        "organisation": "وزارة المالية والتخطيط الوطني",
        "country": "زامبيا",
        "questionnaire": "معايير الشراكات بين القطاعين العام والخاص التي تركز على الناس",
        "level": "متقدم",
        "reviewer": "د. أمينة أوكافور",
        "sections": (
            "الإتاحة والإنصاف",
            "الفعالية الاقتصادية والاستدامة المالية",
            "الاستدامة البيئية والقدرة على الصمود",
            "قابلية التكرار",
            "إشراك أصحاب المصلحة",
        ),
    },
    "zh": {
        "issuer": "以人为本的公私合作伙伴关系评估平台",
        "subject": "卡富埃河谷供水公私合作项目",
        "organisation": "财政和国家规划部",
        "country": "赞比亚",
        "questionnaire": "以人为本的公私合作伙伴关系标准",
        "level": "高级",
        "reviewer": "阿米娜·奥卡福博士",
        "sections": (
            "可及性与公平",
            "经济效益与财政可持续性",
            "环境可持续性与韧性",
            "可复制性",
            "利益相关方参与",
        ),
    },
}

# Question material for reports: (text, guidance, answer, comment, reviewer comment, action).
_QUESTIONS: dict[str, tuple[tuple[str, str, str, str, str, str], ...]] = {
    "en": (
        (
            "Does the project publish its contract and performance reports?",
            "Look for the signed contract and annual reports on a public website.",
            "Partly",
            "The contract is online; performance reports are published with a two-year delay.",
            "Publish the 2023 and 2024 reports before the next review.",
            "Publish performance reports within six months of the end of each year.",
        ),
        (
            "Are tariffs affordable for the poorest households?",
            "Compare the tariff for 6 m³ a month with 3% of the lowest-quintile income.",
            "Yes",
            "A lifeline tariff covers the first 6 m³ for registered low-income households.",
            "",
            "Keep the lifeline tariff indexed to inflation.",
        ),
        (
            "Was the procurement open to international bidders?",
            "",
            "No",
            "Only national firms were invited because of a statutory restriction.",
            "The restriction has since been lifted; note it for the next procurement.",
            "Open future tenders to international bidders under the updated law.",
        ),
    ),
    "fr": (
        (
            "Le projet publie-t-il son contrat et ses rapports de performance ?",
            "Chercher le contrat signé et les rapports annuels sur un site public.",
            "En partie",
            "Le contrat est en ligne ; les rapports paraissent avec deux ans de retard.",
            "Publier les rapports 2023 et 2024 avant le prochain examen.",
            "Publier les rapports de performance dans les six mois suivant la fin d'exercice.",
        ),
        (
            "Les tarifs sont-ils abordables pour les ménages les plus pauvres ?",
            "Comparer le tarif de 6 m³ par mois à 3 % du revenu du premier quintile.",
            "Oui",
            "Un tarif social couvre les 6 premiers m³ des ménages modestes inscrits.",
            "",
            "Indexer le tarif social sur l'inflation.",
        ),
    ),
    "es": (
        (
            "¿Publica el proyecto su contrato y sus informes de desempeño?",
            "Buscar el contrato firmado y los informes anuales en un sitio web público.",
            "En parte",
            "El contrato está en línea; los informes se publican con dos años de retraso.",
            "Publicar los informes de 2023 y 2024 antes de la próxima revisión.",
            "Publicar los informes de desempeño en los seis meses siguientes al cierre.",
        ),
        (
            "¿Son las tarifas asequibles para los hogares más pobres?",
            "Comparar la tarifa de 6 m³ al mes con el 3 % del ingreso del quintil más bajo.",
            "Sí",
            "Una tarifa social cubre los primeros 6 m³ de los hogares de bajos ingresos.",
            "",
            "Indexar la tarifa social a la inflación.",
        ),
    ),
    "ru": (
        (
            "Публикует ли проект договор и отчёты о результатах?",
            "Найдите подписанный договор и годовые отчёты на общедоступном сайте.",
            "Частично",
            "Договор опубликован; отчёты выходят с задержкой в два года.",
            "Опубликовать отчёты за 2023 и 2024 годы до следующего рассмотрения.",
            "Публиковать отчёты о результатах в течение шести месяцев после конца года.",
        ),
        (
            "Доступны ли тарифы для беднейших домохозяйств?",
            "Сравните тариф за 6 м³ в месяц с 3 % дохода нижнего квинтиля.",
            "Да",
            "Социальный тариф покрывает первые 6 м³ для малоимущих домохозяйств.",
            "",
            "Индексировать социальный тариф с учётом инфляции.",
        ),
    ),
    "ar": (
        (
            "هل ينشر المشروع عقده وتقارير أدائه؟",
            "ابحث عن العقد الموقّع والتقارير السنوية على موقع إلكتروني عام.",
            "جزئياً",
            "العقد منشور على الإنترنت، أما تقارير الأداء فتُنشر بتأخير عامين.",
            "يجب نشر تقريري 2023 و2024 قبل المراجعة القادمة.",
            "نشر تقارير الأداء في غضون ستة أشهر من نهاية كل سنة.",
        ),
        (
            "هل التعريفات في متناول الأسر الأشد فقراً؟",
            "قارن تعريفة 6 أمتار مكعبة شهرياً بنسبة 3% من دخل الخُمس الأدنى.",
            "نعم",
            "تغطي تعريفة اجتماعية أول 6 أمتار مكعبة للأسر المسجلة ذات الدخل المنخفض.",
            "",
            "ربط التعريفة الاجتماعية بمعدل التضخم.",
        ),
    ),
    "zh": (
        (
            "项目是否公开其合同和绩效报告？",
            "在公开网站上查找已签署的合同和年度报告。",
            "部分",
            "合同已在网上公开；绩效报告的发布滞后两年。",
            "请在下次评审前公布2023年和2024年的报告。",
            "在每年结束后六个月内公布绩效报告。",
        ),
        (
            "最贫困家庭是否负担得起水价？",
            "将每月6立方米的水费与最低五分之一人群收入的3%进行比较。",
            "是",
            "生命线水价覆盖登记低收入家庭每月前6立方米的用水。",
            "",
            "将生命线水价与通货膨胀挂钩。",
        ),
    ),
}

_STATUS = {
    "en": ("Approved", "Draft"),
    "fr": ("Approuvée", "Brouillon"),
    "es": ("Aprobada", "Borrador"),
    "ru": ("Утверждена", "Черновик"),
    "ar": ("معتمد", "مسودة"),
    "zh": ("已批准", "草稿"),
}


def translator(locale: str) -> Translate:
    """Return a ``translate`` callable backed by :data:`CAPTIONS`."""
    catalogue = CAPTIONS.get(locale, {})

    def translate(message: str) -> str:
        return catalogue.get(message, message)

    return translate


def number_formatter(locale: str) -> FormatNumber:
    """Return a locale-aware score formatter (one decimal at most), using Babel."""
    from babel.numbers import format_decimal

    def format_number(value: float) -> str:
        return str(format_decimal(round(value, 1), format="#,##0.#", locale=locale))

    return format_number


def date_formatter(locale: str) -> FormatDate:
    """Return a locale-aware long date formatter, using Babel."""
    from babel.dates import format_date

    def format_long_date(value: datetime.date) -> str:
        return str(format_date(value, format="long", locale=locale))

    return format_long_date


def sample_payload() -> bytes:
    """Return a canonical JSON payload like the one the platform signs."""
    payload = {
        "assessment": 42,
        "issued_at": ISSUE_DATE.isoformat(),
        "level": "advanced",
        "organisation": "Ministry of Finance and National Planning",
        "questionnaire": {"id": "people-first", "version": "1.0"},
        "score": OVERALL_SCORE,
        "serial": SERIAL,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sample_signature() -> str:
    """Return a placeholder signature string shaped like a base64 Ed25519 signature."""
    digest = hashlib.sha512(sample_payload()).digest()
    return base64.b64encode(digest).decode("ascii")


def sample_certificate(locale: str) -> CertificateData:
    """Return the sample certificate in ``locale`` (one of :data:`LOCALES`)."""
    texts = _TEXTS[locale]
    sections = texts["sections"]
    assert isinstance(sections, tuple)
    return CertificateData(
        serial=SERIAL,
        issuer=str(texts["issuer"]),
        subject_name=str(texts["subject"]),
        organisation_name=str(texts["organisation"]),
        country_name=str(texts["country"]),
        questionnaire_title=str(texts["questionnaire"]),
        questionnaire_version="1.0",
        overall_score=OVERALL_SCORE,
        level_label=str(texts["level"]),
        section_scores=tuple(zip(sections, SECTION_SCORES, strict=True)),
        reviewer_name=str(texts["reviewer"]),
        approval_date=APPROVAL_DATE,
        issue_date=ISSUE_DATE,
        verify_url=VERIFY_URL,
        payload_json=sample_payload(),
        signature=sample_signature(),
        locale=locale,
        text_direction=direction_of(locale),
    )


def sample_report(locale: str, questions: int = 10, *, draft: bool = False) -> ReportData:
    """Return a sample report in ``locale`` with ``questions`` questions over five sections."""
    texts = _TEXTS[locale]
    titles = texts["sections"]
    assert isinstance(titles, tuple)
    material = _QUESTIONS[locale]
    per_section = [
        questions // len(titles) + (1 if i < questions % len(titles) else 0)
        for i in range(len(titles))
    ]
    sections = []
    gaps = []
    number = 0
    for section_index, (title, count) in enumerate(zip(titles, per_section, strict=True)):
        items: list[ReportQuestion] = []
        for _ in range(count):
            text, guidance, answer, comment, review, action = material[number % len(material)]
            number += 1
            score = (50.0, 100.0, 0.0)[number % 3]
            question = ReportQuestion(
                id=f"pf-{section_index + 1}-{len(items) + 1}",
                text=f"{number}. {text}",
                guidance=guidance,
                answer_label=answer,
                comment=comment,
                evidence_links=(f"https://ppp-assess.example.org/evidence/{number}.pdf",),
                reviewer_comment=review,
                score=score if number % 7 else None,
            )
            items.append(question)
            if question.score is not None and question.score < 100:
                gaps.append(ReportGap(question.text, round((100 - question.score) / 40, 1), action))
        sections.append(ReportSection(title, SECTION_SCORES[section_index], tuple(items)))
    approved, draft_status = _STATUS[locale]
    return ReportData(
        questionnaire_title=str(texts["questionnaire"]),
        questionnaire_version="1.0",
        subject_name=str(texts["subject"]),
        organisation_name=str(texts["organisation"]),
        status=draft_status if draft else approved,
        is_draft=draft,
        overall_score=OVERALL_SCORE,
        level_label=str(texts["level"]),
        sections=tuple(sections),
        gaps=tuple(sorted(gaps, key=lambda gap: -gap.lost_points)),
        generated_date=ISSUE_DATE,
        locale=locale,
        text_direction=direction_of(locale),
        issuer=str(texts["issuer"]),
    )


def render_samples(directory: Path) -> None:
    """Write the sample certificate and report of every locale into ``directory``."""
    from ppp_assess.pdf.certificate import render_certificate
    from ppp_assess.pdf.report import render_report

    directory.mkdir(parents=True, exist_ok=True)
    for locale in LOCALES:
        translate = translator(locale)
        format_number = number_formatter(locale)
        format_date = date_formatter(locale)
        certificate = render_certificate(
            sample_certificate(locale),
            translate=translate,
            format_number=format_number,
            format_date=format_date,
        )
        (directory / f"certificate-{locale}.pdf").write_bytes(certificate)
        report = render_report(
            sample_report(locale, 12, draft=True),
            translate=translate,
            format_number=format_number,
            format_date=format_date,
        )
        (directory / f"report-{locale}.pdf").write_bytes(report)


if __name__ == "__main__":
    render_samples(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
